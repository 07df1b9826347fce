import SplatCore

/// Sub-pixel jittered samples of one frame, averaged: supersampling against aliasing, and the
/// knob for the temporal-stability tests (jitter that is a parameter, not an accident).
///
/// Sample i shifts the camera's principal point by (u − ½, v − ½) pixels, where (u, v) is the
/// i-th point of the R2 low-discrepancy sequence (Roberts 2018, "The unreasonable effectiveness of
/// quasirandom sequences": αₖ = 1/gᵏ, g the plastic number) rotated by a seed-derived shift
/// (Cranley–Patterson rotation). One sample renders exactly the unjittered frame.
public struct FrameSampling: Equatable, Sendable {
    public static let single = FrameSampling(samples: 1)
    public static let maximumSamples = 256

    public var samples: Int
    public var seed: UInt64

    public init(samples: Int, seed: UInt64 = 0) {
        self.samples = samples
        self.seed = seed
    }

    /// The principal-point offsets in pixels, one per sample; [(0, 0)] for a single sample.
    public var offsets: [SIMD2<Float>] {
        guard samples > 1 else { return [.zero] }
        let g = 1.32471795724474602596  // the plastic number: g³ = g + 1
        let alpha = SIMD2(1 / g, 1 / (g * g))
        var rng = SplitMix64(seed: seed)
        let shift = SIMD2(Double(rng.unit()), Double(rng.unit()))
        return (0..<samples).map { i in
            let p = shift + alpha * Double(i + 1)
            let fraction = p - p.rounded(.down)
            return SIMD2(Float(fraction.x - 0.5), Float(fraction.y - 0.5))
        }
    }

    /// The sample count is outside 1…maximumSamples.
    public struct InvalidCount: SplatError, Equatable {
        public var samples: Int
        public var kind: ErrorKind { .badOption }
        public var description: String { "samples must be 1 to \(FrameSampling.maximumSamples), got \(samples)" }
    }

    public func validate() throws {
        guard (1...Self.maximumSamples).contains(samples) else { throw InvalidCount(samples: samples) }
    }

    /// Renders every sample with `draw` and averages them: colour and alpha as plain means (summed
    /// in sample order, so the result is deterministic), depth as the alpha-weighted mean (each
    /// sample's depth is already Σd·w / Σw). Statistics are the first sample's.
    func render(_ camera: Camera, _ draw: (Camera) throws -> RenderedFrame) throws -> RenderedFrame {
        let offsets = self.offsets
        if offsets == [.zero] { return try draw(camera) }
        var first: RenderedFrame?
        var colour: [Float] = [], alpha: [Float] = [], weightedDepth: [Float] = []
        for offset in offsets {
            var jittered = camera
            jittered.cx += offset.x
            jittered.cy += offset.y
            let frame = try draw(jittered)
            if first == nil {
                first = frame
                colour = frame.colour.pixels
                alpha = frame.alpha.pixels
                weightedDepth = zip(frame.depth.pixels, frame.alpha.pixels).map { $0 * $1 }
                continue
            }
            for i in colour.indices { colour[i] += frame.colour.pixels[i] }
            for i in alpha.indices {
                alpha[i] += frame.alpha.pixels[i]
                weightedDepth[i] += frame.depth.pixels[i] * frame.alpha.pixels[i]
            }
        }
        guard var frame = first else { return try draw(camera) }
        let n = Float(offsets.count)
        frame.colour.pixels = colour.map { $0 / n }
        frame.depth.pixels = zip(weightedDepth, alpha).map { $1 > 0 ? $0 / $1 : 0 }
        frame.alpha.pixels = alpha.map { $0 / n }
        return frame
    }
}
