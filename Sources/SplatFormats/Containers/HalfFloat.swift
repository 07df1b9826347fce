/// IEEE 754 binary16 ("half") floats, by hand: Float16 is missing on macOS x86_64. The one
/// decoder and encoder for every format that stores halves (splaTV, NPY '<f2').
public enum HalfFloat {
    /// The value of binary16 bits, subnormals, ±∞ and NaN (payload kept) included.
    public static func float(fromBits h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let fraction = UInt32(h & 0x3ff)
        switch exponent {
        case 0:  // zero or subnormal: fraction · 2^−24, exact in a Float
            let magnitude = Float(fraction) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 31:  // ±∞, or NaN with its payload kept
            return Float(bitPattern: sign | 0x7f80_0000 | fraction << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }

    /// The binary16 nearest to `f`, ties to even; overflow gives ±∞, NaN a quiet NaN.
    public static func bits(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        if f.isNaN { return sign | 0x7e00 | UInt16(truncatingIfNeeded: (bits >> 13) & 0x3ff) }
        let exponent = Int((bits >> 23) & 0xff) - 127
        let mantissa = bits & 0x7f_ffff
        if exponent > 15 { return sign | 0x7c00 }  // beyond the range (or ∞)
        if exponent >= -14 {
            // Normal: keep 10 of 23 mantissa bits; a carry rolls into the exponent (and to ∞).
            var h = UInt32(exponent + 15) << 10 | mantissa >> 13
            let rest = mantissa & 0x1fff
            if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) { h += 1 }
            return sign | UInt16(h)
        }
        if exponent < -25 { return sign }  // below half the smallest subnormal (float subnormals too)
        // Subnormal: value = m · 2^−24 with m = full · 2^(exponent + 1), shift 14...24.
        let full = mantissa | 0x80_0000
        let shift = UInt32(-(exponent + 1))
        var m = full >> shift
        let rest = full & ((1 << shift) - 1), halfway: UInt32 = 1 << (shift - 1)
        if rest > halfway || (rest == halfway && m & 1 == 1) { m += 1 }
        return sign | UInt16(m)
    }
}
