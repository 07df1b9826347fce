/// The middle value of `values` (the mean of the middle two for an even count); 0 for none. The
/// one median of the benchmarks (frames, stages, decoding, FLIP).
public func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
