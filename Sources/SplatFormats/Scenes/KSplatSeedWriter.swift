import Foundation
import SplatCore

/// Tiny `.ksplat` files for the fuzz seeds and the tests' damaged variants (the format is read-only
/// in Splat4D: no `encode`). Lays out `KSplatHeader`'s format as GaussianSplats3D's
/// SplatBufferGenerator does, with simpler bucketing: each section's Gaussians in order, in
/// buckets of `bucketSize` (the last one partially filled), each centred on its bounding box.
enum KSplatSeedWriter {
    static func file(_ cloud: SplatCloud, compressionLevel level: Int, sectionSize: Int = 0, bucketSize: Int = 256) -> Data {
        precondition((0...2).contains(level) && bucketSize > 0)
        let degree = min(cloud.shDegree, 2)
        let n = cloud.count
        let perSection = sectionSize > 0 ? sectionSize : max(n, 1)
        let sections = stride(from: 0, to: n, by: perSection).map { $0..<min($0 + perSection, n) }
        let rest = 1..<((degree + 1) * (degree + 1))
        let shValues: [Float] = (0..<n).flatMap { i in rest.flatMap { c -> [Float] in
            let v = cloud.shCoefficient(i, c)
            return [v.x, v.y, v.z]
        } }
        let shLow = shValues.min() ?? -1.5, shHigh = shValues.max() ?? 1.5
        var out = ByteBuffer()
        out.bytes = [0, 1, 0, 0]
        for v in [sections.count, sections.count, n, n] { out.u32(v) }
        out.u16(level)
        out.u16(0)
        for v in [0, 0, 0, shLow, shHigh] as [Float] { out.f32(v) }
        out.pad(to: KSplatHeader.byteCount)
        var bodies: [ByteBuffer] = []
        for (s, range) in sections.enumerated() {
            let buckets = stride(from: range.lowerBound, to: range.upperBound, by: bucketSize).map {
                $0..<min($0 + bucketSize, range.upperBound)
            }
            let centres = buckets.map { b -> SIMD3<Float> in
                let box = Bounds(of: Array(cloud.positions[b]))!
                return (box.min + box.max) / 2
            }
            var reach: Float = 0
            for (b, c) in zip(buckets, centres) {
                for i in b { reach = max(reach, (cloud.positions[i] - c).replacing(with: -(cloud.positions[i] - c), where: cloud.positions[i] .< c).max()) }
            }
            let blockSize = max(2 * reach * 1.001, 1e-3)
            let partial = buckets.last.map { $0.count < bucketSize } ?? false
            var body = ByteBuffer()
            if level >= 1 {
                if partial, let last = buckets.last { body.u32(last.count) }
                for c in centres { for axis in 0..<3 { body.f32(c[axis]) } }
            }
            let scaleRange = 32767
            for (b, bucket) in buckets.enumerated() {
                for i in bucket {
                    record(cloud, i, degree: degree, level: level, into: &body, centre: centres[b],
                           step: blockSize / 2 / Float(scaleRange), shRange: (shLow, shHigh))
                }
            }
            // Section header.
            out.u32(range.count)
            out.u32(range.count)
            out.u32(level >= 1 ? bucketSize : 0)
            out.u32(level >= 1 ? buckets.count : 0)
            out.f32(level >= 1 ? blockSize : 0)
            out.u16(level >= 1 ? 12 : 0)
            out.u16(0)
            out.u32(level >= 1 ? scaleRange : 0)
            out.u32(body.bytes.count)
            out.u32(level >= 1 ? buckets.count - (partial ? 1 : 0) : 0)
            out.u32(level >= 1 && partial ? 1 : 0)
            out.u16(degree)
            out.pad(to: KSplatHeader.byteCount + (s + 1) * KSplatHeader.sectionHeaderByteCount)
            bodies.append(body)
        }
        for body in bodies { out.bytes += body.bytes }
        return Data(out.bytes)
    }

    static func record(_ cloud: SplatCloud, _ i: Int, degree: Int, level: Int, into out: inout ByteBuffer,
                       centre: SIMD3<Float>, step: Float, shRange: (Float, Float)) {
        func component(_ v: Float) { level == 0 ? out.f32(v) : out.u16(Int(HalfFloat.bits(v))) }
        let p = cloud.positions[i]
        for axis in 0..<3 {
            if level == 0 { out.f32(p[axis]) } else {
                out.u16(Int(min(max(((p[axis] - centre[axis]) / step).rounded() + 32767, 0), 65535)))
            }
        }
        for axis in 0..<3 { component(cloud.scales[i][axis]) }
        for c in 0..<4 { component(cloud.rotations[i][c]) }
        let dc = cloud.shCoefficient(i, 0)
        for c in 0..<3 { out.bytes.append(UInt8(min(max(((0.5 + SphericalHarmonics.c0 * dc[c]) * 255).rounded(.down), 0), 255))) }
        out.bytes.append(UInt8(min(max((cloud.opacities[i] * 255).rounded(.down), 0), 255)))
        for band in stride(from: 1, through: degree, by: 1) {
            for channel in 0..<3 {
                for m in 0..<(2 * band + 1) {
                    let v = cloud.shCoefficient(i, band * band + m)[channel]
                    switch level {
                    case 0: out.f32(v)
                    case 1: out.u16(Int(HalfFloat.bits(v)))
                    default:
                        let span = max(shRange.1 - shRange.0, .leastNormalMagnitude)
                        out.bytes.append(UInt8(min(max(((v - shRange.0) / span * 255).rounded(.down), 0), 255)))
                    }
                }
            }
        }
    }

    struct ByteBuffer {
        var bytes: [UInt8] = []
        mutating func u16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { bytes += $0 } }
        mutating func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { bytes += $0 } }
        mutating func f32(_ v: Float) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        mutating func pad(to count: Int) { bytes += [UInt8](repeating: 0, count: count - bytes.count) }
    }
}
