import SplatCore

/// A SplatCloud's five arrays as mutable buffers, for decoders that write rows in place from
/// several threads (each thread its own rows): FloatRecordDecoder and KSplatDecoder.
struct CloudRows: @unchecked Sendable {
    let positions: UnsafeMutableBufferPointer<SIMD3<Float>>
    let scales: UnsafeMutableBufferPointer<SIMD3<Float>>
    let rotations: UnsafeMutableBufferPointer<SIMD4<Float>>
    let opacities: UnsafeMutableBufferPointer<Float>
    let sh: UnsafeMutableBufferPointer<Float>

    /// Calls `body` with `cloud`'s arrays; what it writes goes straight into them.
    static func withRows<R>(of cloud: inout SplatCloud, _ body: (CloudRows) throws -> R) rethrows -> R {
        try cloud.positions.withUnsafeMutableBufferPointer { p in
            try cloud.scales.withUnsafeMutableBufferPointer { s in
                try cloud.rotations.withUnsafeMutableBufferPointer { r in
                    try cloud.opacities.withUnsafeMutableBufferPointer { o in
                        try cloud.sh.withUnsafeMutableBufferPointer { sh in
                            try body(CloudRows(positions: p, scales: s, rotations: r, opacities: o, sh: sh))
                        }
                    }
                }
            }
        }
    }
}
