import Foundation
import SplatCore

/// Writes a `SplatCloud` as an official 3DGS PLY, undoing the loader's activations
/// (log scale, logit opacity clamped by `opacityLogit`, channel-major f_rest) so that loading gives the cloud back.
public enum PLYWriter {
    public static func gaussianPLY(_ cloud: SplatCloud, encoding: PLYEncoding = .binaryLittleEndian,
                                   comments: [String] = []) -> Data {
        table(names: propertyNames(shDegree: cloud.shDegree), values: rawValues(cloud), encoding: encoding,
              comments: comments)
    }

    /// One 3DGS PLY per position set, all sharing `cloud`'s other attributes: the stored values are
    /// computed once and only the centres change (a long generated sequence writes gigabytes).
    public static func gaussianPLYFrames(_ cloud: SplatCloud, frames: Int, positions: (Int) -> [SIMD3<Float>],
                                         write: (Int, Data) throws -> Void) rethrows {
        let names = propertyNames(shDegree: cloud.shDegree)
        var values = rawValues(cloud)
        for k in 0..<frames {
            for (i, p) in positions(k).enumerated() {
                values[i * names.count] = p.x
                values[i * names.count + 1] = p.y
                values[i * names.count + 2] = p.z
            }
            try write(k, table(names: names, values: values))
        }
    }

    /// A PLY with one "vertex" element of float properties; `values` is row-major.
    public static func table(names: [String], values rows: [Float], encoding: PLYEncoding = .binaryLittleEndian,
                             comments: [String] = []) -> Data {
        precondition(rows.count % names.count == 0, "values do not fill whole rows")
        let count = rows.count / names.count
        var header = "ply\nformat \(encoding.rawValue) 1.0\n"
        for comment in comments {
            // A newline would end the comment and corrupt the header.
            header += "comment \(String(comment.map { $0.isNewline ? " " : $0 }))\n"
        }
        header += "element vertex \(count)\n"
        for name in names { header += "property float \(name)\n" }
        header += "end_header\n"

        var data = Data(header.utf8)
        switch encoding {
        case .ascii:
            var text = ""
            let width = names.count
            for i in 0..<count {
                text += rows[(i * width)..<((i + 1) * width)].map { "\($0)" }.joined(separator: " ")
                text += "\n"
            }
            data.append(contentsOf: text.utf8)
        case .binaryLittleEndian, .binaryBigEndian:
            let big = encoding == .binaryBigEndian
            let words = rows.map { big ? $0.bitPattern.bigEndian : $0.bitPattern.littleEndian }
            words.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    static func propertyNames(shDegree: Int) -> [String] {
        let rest = 3 * (SplatCloud.coefficientCount(degree: shDegree) - 1)
        return ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"]
            + (0..<rest).map { "f_rest_\($0)" }
            + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    }

    /// The stored (pre-activation) values, row-major in `propertyNames` order.
    static func rawValues(_ cloud: SplatCloud) -> [Float] {
        let k = cloud.coefficientsPerGaussian
        var out: [Float] = []
        out.reserveCapacity(cloud.count * propertyNames(shDegree: cloud.shDegree).count)
        for i in 0..<cloud.count {
            let p = cloud.positions[i]
            out += [p.x, p.y, p.z, 0, 0, 0]
            let dc = cloud.shCoefficient(i, 0)
            out += [dc.x, dc.y, dc.z]
            for c in 0..<3 {
                for coefficient in 1..<k { out.append(cloud.sh[(i * k + coefficient) * 3 + c]) }
            }
            out.append(opacityLogit(cloud.opacities[i]))
            // A zero scale (legal in .splat) would give −inf; the smallest normal float stands in.
            let s = cloud.scales[i]
            for axis in 0..<3 { out.append(log(Swift.max(s[axis], Float.leastNormalMagnitude))) }
            let q = cloud.rotations[i]
            out += [q[0], q[1], q[2], q[3]]
        }
        return out
    }
}
