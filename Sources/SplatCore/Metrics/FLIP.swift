import Foundation

/// NVIDIA's LDR-FLIP difference evaluator: a per-pixel error in [0, 1] that models what a viewer
/// sees when flipping between two images (Andersson, Nilsson, Akenine-Möller, Oskarsson, Åström and
/// Fairchild, "FLIP: A Difference Evaluator for Alternating Images", HPG 2020).
///
/// Two pipelines meet per pixel: a colour pipeline (contrast-sensitivity filters in the YCxCz
/// opponent space, then the Hunt-adjusted HyAB distance in L*a*b*, remapped to [0, 1]) and a
/// feature pipeline (edges and points found with Gaussian derivatives on the achromatic channel).
/// The error is colourError^(1 − featureError). Filters are separable as in the reference
/// implementation (NVlabs/flip, misc/separatedConvolutions.pdf) and borders repeat the edge
/// pixel; arithmetic is Float, in the reference's order, so the maps agree to within 1e-4.
public enum FLIP {
    /// The reference's default viewer: 0.7 m from a 0.7 m wide display 3840 pixels across.
    public static let defaultPixelsPerDegree = pixelsPerDegree(distance: 0.7, displayWidthPixels: 3840,
                                                               displayWidth: 0.7)

    /// Pixels per degree of visual angle for a viewer `distance` metres from a display
    /// `displayWidth` metres wide showing `displayWidthPixels` pixels across.
    public static func pixelsPerDegree(distance: Float, displayWidthPixels: Float, displayWidth: Float) -> Float {
        distance * (displayWidthPixels / displayWidth) * (Float.pi / 180)
    }

    /// The FLIP error map of `test` against `reference` (sRGB images of the same size; grey images
    /// count as R = G = B, alpha is ignored, values are clamped to [0, 1]).
    public static func errorMap(reference: Image, test: Image,
                                pixelsPerDegree: Float = defaultPixelsPerDegree) -> FLIPErrorMap {
        precondition(reference.width == test.width && reference.height == test.height,
                     "FLIP needs images of the same size")
        precondition(pixelsPerDegree > 0 && pixelsPerDegree.isFinite, "pixels per degree must be positive")
        let size = PlaneSize(width: reference.width, height: reference.height)
        guard size.count > 0 else { return FLIPErrorMap(width: size.width, height: size.height, errors: []) }
        let ref = OpponentPlanes(image: reference), tst = OpponentPlanes(image: test)
        let colour = ColourPipeline(pixelsPerDegree: pixelsPerDegree)
            .errors(reference: ref, test: tst, size: size)
        let feature = FeaturePipeline(pixelsPerDegree: pixelsPerDegree)
            .errors(reference: ref.y, test: tst.y, size: size)
        let errors = PixelLoop.map(size.count) { i in Foundation.pow(colour[i], 1 - feature[i]) }
        return FLIPErrorMap(width: size.width, height: size.height, errors: errors)
    }

    // Constants of the paper (Table 1 and §4), as the reference uses them.
    static let qc: Float = 0.7   // colour-difference exponent
    static let pc: Float = 0.4   // fraction of the maximum difference mapped to pt
    static let pt: Float = 0.95  // where pc·cmax lands in [0, 1]
    static let qf: Float = 0.5   // feature-difference exponent
    static let gw: Float = 0.082 // peak-to-trough width of the edge detector, in degrees
}

/// A FLIP error map, row-major, one value in [0, 1] per pixel.
public struct FLIPErrorMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let errors: [Float]

    /// The pooled mean the reference reports (0 for an empty image).
    public var mean: Double {
        guard !errors.isEmpty else { return 0 }
        return errors.reduce(0.0) { $0 + Double($1) } / Double(errors.count)
    }

    /// The mean over the pixels whose `mask` entry is true (0 when none is): the map itself is
    /// computed on the whole images, so masked-out pixels still take part in the filters around them.
    public func mean(mask: [Bool]) -> Double {
        precondition(mask.count == errors.count, "one mask entry per pixel")
        var sum = 0.0, counted = 0
        for i in errors.indices where mask[i] {
            sum += Double(errors[i])
            counted += 1
        }
        return counted == 0 ? 0 : sum / Double(counted)
    }
}

struct PlaneSize {
    let width: Int
    let height: Int
    var count: Int { width * height }
}

/// An image in FLIP's opponent space YCxCz, one plane per channel.
struct OpponentPlanes {
    var y: [Float], cx: [Float], cz: [Float]

    init(image: Image) {
        let count = image.width * image.height
        let opponent = PixelLoop.map(count) { p in
            FLIPColour.ycxcz(fromXYZ: FLIPColour.xyz(fromLinear: FLIPColour.linearFromSRGB(Self.rgb(of: image, pixel: p))))
        }
        y = opponent.map { $0.x }
        cx = opponent.map { $0.y }
        cz = opponent.map { $0.z }
    }

    private static func rgb(of image: Image, pixel p: Int) -> SIMD3<Float> {
        let base = p * image.channels
        let v = image.channels >= 3
            ? SIMD3(image.pixels[base], image.pixels[base + 1], image.pixels[base + 2])
            : SIMD3(repeating: image.pixels[base])
        return v.replacing(with: 0, where: .!(v .== v)).clamped(lowerBound: .zero, upperBound: .one)
    }
}

/// The colour conversions FLIP uses: sRGB, linear RGB and XYZ with the D65 white point, the
/// YCxCz opponent space and CIELAB (constants as in the reference).
enum FLIPColour {
    static let white = SIMD3<Float>(0.950428545, 1.000000000, 1.088900371)
    static let inverseWhite = SIMD3<Float>(1.052156925, 1.000000000, 0.918357670)

    static func linearFromSRGB(_ c: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(linear(c.x), linear(c.y), linear(c.z))
    }

    static func linearFromSRGB(channel v: Float) -> Float {
        v <= 0.04045 ? v / 12.92 : Foundation.pow((v + 0.055) / 1.055, 2.4)
    }

    /// The 256 8-bit values k/255 converted once: most images are 8-bit, and pow dominated.
    private static let linear8: [Float] = (0...255).map { linearFromSRGB(channel: Float($0) / 255) }

    /// The table's value when `v` is exactly an 8-bit value k/255 (so the result is the same), else
    /// the formula.
    private static func linear(_ v: Float) -> Float {
        let k = (v * 255).rounded()
        if k >= 0, k <= 255, Float(k) / 255 == v { return linear8[Int(k)] }
        return linearFromSRGB(channel: v)
    }

    // The sRGB primaries with D65 (www.image-engineering.de technote 958, as the reference uses).
    static func xyz(fromLinear c: SIMD3<Float>) -> SIMD3<Float> {
        let x = toXYZ.0.x * c.x + toXYZ.0.y * c.y + toXYZ.0.z * c.z
        let y = toXYZ.1.x * c.x + toXYZ.1.y * c.y + toXYZ.1.z * c.z
        let z = toXYZ.2.x * c.x + toXYZ.2.y * c.y + toXYZ.2.z * c.z
        return SIMD3(x, y, z)
    }

    private static let toXYZ = (SIMD3<Float>(10135552, 8788810, 4435075) / 24577794,
                                SIMD3<Float>(2613072, 8788810, 887015) / 12288897,
                                SIMD3<Float>(1425312, 8788810, 70074185) / 73733382)

    static func linear(fromXYZ c: SIMD3<Float>) -> SIMD3<Float> {
        let r = toLinear.0.x * c.x + toLinear.0.y * c.y + toLinear.0.z * c.z
        let g = toLinear.1.x * c.x + toLinear.1.y * c.y + toLinear.1.z * c.z
        let b = toLinear.2.x * c.x + toLinear.2.y * c.y + toLinear.2.z * c.z
        return SIMD3(r, g, b)
    }

    private static let toLinear = (SIMD3<Float>(3.241003275, -1.537398934, -0.498615861),
                                   SIMD3<Float>(-0.969224334, 1.875930071, 0.041554224),
                                   SIMD3<Float>(0.055639423, -0.204011202, 1.057148933))

    static func ycxcz(fromXYZ c: SIMD3<Float>) -> SIMD3<Float> {
        let n = c * inverseWhite
        return SIMD3(116 * n.y - 16, 500 * (n.x - n.y), 200 * (n.y - n.z))
    }

    static func xyz(fromYCxCz c: SIMD3<Float>) -> SIMD3<Float> {
        let y = (c.x + 16) / 116
        return SIMD3(y + c.y / 500, y, y - c.z / 200) * white
    }

    static func lab(fromXYZ c: SIMD3<Float>) -> SIMD3<Float> {
        let delta: Float = 6 / 29
        let deltaCube = delta * delta * delta
        let factor = 1 / (3 * delta * delta)
        func f(_ v: Float) -> Float { v > deltaCube ? Foundation.pow(v, 1 / 3) : factor * v + 4 / 29 }
        let n = c * inverseWhite
        let fx = f(n.x), fy = f(n.y), fz = f(n.z)
        return SIMD3(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// Hunt adjustment: chroma scaled by lightness, so dark colours differ less (paper §4.1).
    static func hunt(_ lab: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(lab.x, 0.01 * lab.x * lab.y, 0.01 * lab.x * lab.z)
    }

    /// HyAB distance: city-block in lightness, Euclidean in chroma.
    static func hyab(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
        let d = a - b
        return abs(d.x) + (d.y * d.y + d.z * d.z).squareRoot()
    }
}

/// Per-pixel work on all cores: every pixel is computed alone, so the result is the same as a
/// serial loop's.
enum PixelLoop {
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            let target = UnsafeSendableBuffer(buffer)
            Parallel.forEachChunk(count: count, chunk: 16_384) { range in
                for i in range { (target.base.baseAddress! + i).initialize(to: body(i)) }
            }
            initialised = count
        }
    }
}

/// A 1-D kernel of 2·radius + 1 taps applied along rows or columns, the border pixel repeated.
struct SeparableKernel {
    let taps: [Float]
    var radius: Int { taps.count / 2 }

    /// Convolves every row. Each row is first copied into a scratch row padded with `radius` copies
    /// of its end pixels, so every tap reads a contiguous run. Taps run outermost so each output sums
    /// its terms in tap order (the reference's order) while the inner loop over x, on raw pointers
    /// (no overflow-checked index arithmetic), vectorises.
    func alongRows(_ source: [Float], _ size: PlaneSize) -> [Float] {
        var out = [Float](repeating: 0, count: size.count)
        let w = size.width, r = radius
        out.withUnsafeMutableBufferPointer { buffer in
            let target = UnsafeSendableBuffer(buffer)
            Parallel.forEachChunk(count: size.height, chunk: 16) { rows in
                let padded = UnsafeMutablePointer<Float>.allocate(capacity: w + 2 * r)
                defer { padded.deallocate() }
                source.withUnsafeBufferPointer { src in
                    taps.withUnsafeBufferPointer { taps in
                        for y in rows {
                            let from = src.baseAddress! + y * w, dst = target.base.baseAddress! + y * w
                            padded.update(repeating: from[0], count: r)
                            (padded + r).update(from: from, count: w)
                            (padded + r + w).update(repeating: from[w - 1], count: r)
                            for t in 0..<taps.count {
                                let weight = taps[t], shifted = padded + t
                                for x in 0..<w { dst[x] += weight * shifted[x] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Convolves every column (taps outermost, then x over contiguous rows: vectorisable).
    func alongColumns(_ source: [Float], _ size: PlaneSize) -> [Float] {
        var out = [Float](repeating: 0, count: size.count)
        let w = size.width, h = size.height, r = radius
        out.withUnsafeMutableBufferPointer { buffer in
            let target = UnsafeSendableBuffer(buffer)
            Parallel.forEachChunk(count: h, chunk: 16) { rows in
                source.withUnsafeBufferPointer { src in
                    taps.withUnsafeBufferPointer { taps in
                        for y in rows {
                            let dst = target.base.baseAddress! + y * w
                            for t in 0..<taps.count {
                                let weight = taps[t]
                                let from = src.baseAddress! + Swift.min(Swift.max(y + t - r, 0), h - 1) * w
                                for x in 0..<w { dst[x] += weight * from[x] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// FLIP's colour pipeline: contrast-sensitivity filtering, then the remapped HyAB distance.
struct ColourPipeline {
    let achromatic: SeparableKernel
    let redGreen: SeparableKernel
    /// The blue-yellow filter is a sum of two Gaussians: two separable halves whose results add.
    let blueYellow: (SeparableKernel, SeparableKernel)

    init(pixelsPerDegree ppd: Float) {
        // Contrast sensitivity functions a·sqrt(π/b)·exp(−π²x²/b) per channel (paper Table 1); the
        // second Gaussian of A and RG has a = 0 (b2 = 1e-5 only avoids a division by zero).
        let b1 = SIMD3<Float>(0.0047, 0.0053, 0.04), a1BY: Float = 34.1, a2BY: Float = 13.5, b2BY: Float = 0.025
        let pi = Float.pi, piSquared = Float.pi * Float.pi
        let radius = Int((3 * (b1.z / (2 * piSquared)).squareRoot() * ppd).rounded(.up))
        func gaussian(_ x2: Float, _ a: Float, _ b: Float) -> Float { a * (pi / b).squareRoot() * expf(-piSquared * x2 / b) }
        // The square root of a·sqrt(π/b) goes into each direction of a separable half.
        func halfGaussian(_ x2: Float, _ a: Float, _ b: Float) -> Float {
            (a * (pi / b).squareRoot()).squareRoot() * expf(-piSquared * x2 / b)
        }
        var a: [Float] = [], rg: [Float] = [], by1: [Float] = [], by2: [Float] = []
        for i in -radius...radius {
            let x = Float(i) * (1 / ppd), x2 = x * x
            a.append(gaussian(x2, 1, b1.x))
            rg.append(gaussian(x2, 1, b1.y))
            by1.append(halfGaussian(x2, a1BY, b1.z))
            by2.append(halfGaussian(x2, a2BY, b2BY))
        }
        let sumA = a.reduce(0, +), sumRG = rg.reduce(0, +)
        // Both halves share one normalisation so that the 2-D sum of the blue-yellow filter is 1.
        let sumBY1: Float = by1.reduce(0, +), sumBY2: Float = by2.reduce(0, +)
        let normBY = 1 / (sumBY1 * sumBY1 + sumBY2 * sumBY2).squareRoot()
        achromatic = SeparableKernel(taps: a.map { $0 * (1 / sumA) })
        redGreen = SeparableKernel(taps: rg.map { $0 * (1 / sumRG) })
        blueYellow = (SeparableKernel(taps: by1.map { $0 * normBY }), SeparableKernel(taps: by2.map { $0 * normBY }))
    }

    /// The largest exponentiated distance: between Hunt-adjusted green and blue (paper §4.1).
    static let maximumDistance: Float = {
        let green = FLIPColour.hunt(FLIPColour.lab(fromXYZ: FLIPColour.xyz(fromLinear: SIMD3(0, 1, 0))))
        let blue = FLIPColour.hunt(FLIPColour.lab(fromXYZ: FLIPColour.xyz(fromLinear: SIMD3(0, 0, 1))))
        return Foundation.pow(FLIPColour.hyab(green, blue), FLIP.qc)
    }()

    func errors(reference: OpponentPlanes, test: OpponentPlanes, size: PlaneSize) -> [Float] {
        let ref = filtered(reference, size), tst = filtered(test, size)
        let cmax = Self.maximumDistance, pccmax = FLIP.pc * cmax
        return PixelLoop.map(size.count) { i in
            let distance = Foundation.pow(FLIPColour.hyab(ref[i], tst[i]), FLIP.qc)
            // Errors up to pc·cmax map to [0, pt], the rest to (pt, 1].
            return distance < pccmax
                ? distance * (FLIP.pt / pccmax)
                : FLIP.pt + ((distance - pccmax) / (cmax - pccmax)) * (1 - FLIP.pt)
        }
    }

    /// Filters the opponent planes, clamps to the linear RGB cube and returns Hunt-adjusted L*a*b*.
    private func filtered(_ planes: OpponentPlanes, _ size: PlaneSize) -> [SIMD3<Float>] {
        let y = achromatic.alongColumns(achromatic.alongRows(planes.y, size), size)
        let cx = redGreen.alongColumns(redGreen.alongRows(planes.cx, size), size)
        let cz1 = blueYellow.0.alongColumns(blueYellow.0.alongRows(planes.cz, size), size)
        let cz2 = blueYellow.1.alongColumns(blueYellow.1.alongRows(planes.cz, size), size)
        return PixelLoop.map(size.count) { i in
            let linear = FLIPColour.linear(fromXYZ: FLIPColour.xyz(fromYCxCz: SIMD3(y[i], cx[i], cz1[i] + cz2[i])))
            let clamped = linear.clamped(lowerBound: .zero, upperBound: .one)
            return FLIPColour.hunt(FLIPColour.lab(fromXYZ: FLIPColour.xyz(fromLinear: clamped)))
        }
    }
}

/// FLIP's feature pipeline: edge (first derivative) and point (second derivative) strengths of the
/// achromatic channel, compared between the images.
struct FeaturePipeline {
    let gaussian: SeparableKernel
    let firstDerivative: SeparableKernel
    let secondDerivative: SeparableKernel

    init(pixelsPerDegree ppd: Float) {
        let sigma = 0.5 * FLIP.gw * ppd
        let radius = Int((3 * sigma).rounded(.up))
        var g: [Float] = [], dg: [Float] = [], ddg: [Float] = []
        for i in -radius...radius {
            let x = Float(i)
            let value = expf(-(x * x) / (2 * sigma * sigma))
            g.append(value)
            dg.append(-x * value)
            ddg.append((x * x / (sigma * sigma) - 1) * value)
        }
        // The Gaussian sums to 1; each derivative's positive taps sum to 1 and negative taps to −1.
        func balanced(_ taps: [Float]) -> [Float] {
            let positive = taps.filter { $0 > 0 }.reduce(0, +), negative = -taps.filter { $0 <= 0 }.reduce(0, +)
            return taps.map { $0 > 0 ? $0 / positive : $0 / negative }
        }
        let sum = g.reduce(0, +)
        gaussian = SeparableKernel(taps: g.map { $0 / sum })
        firstDerivative = SeparableKernel(taps: balanced(dg))
        secondDerivative = SeparableKernel(taps: balanced(ddg))
    }

    func errors(reference: [Float], test: [Float], size: PlaneSize) -> [Float] {
        let ref = features(reference, size), tst = features(test, size)
        let norm = 1 / Float(2).squareRoot()
        return PixelLoop.map(size.count) { i in
            let edge = abs(ref.edges[i] - tst.edges[i]), point = abs(ref.points[i] - tst.points[i])
            return Foundation.pow(norm * Swift.max(edge, point), FLIP.qf)
        }
    }

    /// Edge and point strengths (gradient magnitudes of the derivative filters) of the lightness
    /// channel normalised to [0, 1].
    private func features(_ y: [Float], _ size: PlaneSize) -> (edges: [Float], points: [Float]) {
        let grey = y.map { $0 * (1 / 116) + 16 / 116 }
        let dx = gaussian.alongColumns(firstDerivative.alongRows(grey, size), size)
        let ddx = gaussian.alongColumns(secondDerivative.alongRows(grey, size), size)
        let smoothed = gaussian.alongRows(grey, size)
        let dy = firstDerivative.alongColumns(smoothed, size)
        let ddy = secondDerivative.alongColumns(smoothed, size)
        let edges = PixelLoop.map(size.count) { (dx[$0] * dx[$0] + dy[$0] * dy[$0]).squareRoot() }
        let points = PixelLoop.map(size.count) { (ddx[$0] * ddx[$0] + ddy[$0] * ddy[$0]).squareRoot() }
        return (edges, points)
    }
}
