import Foundation
import SplatCore

/// Decodes the records of a .ksplat file's sections (their headers already checked against the
/// file) into the cloud's arrays: runs of records that share a bucket centre, grouped into chunks
/// decoded in parallel, each writing only its own Gaussians.
struct KSplatDecoder {
    let header: KSplatHeader
    let sections: [KSplatSection]
    let shDegree: Int
    /// Records per parallel chunk (as FloatRecordDecoder): enough to amortise the scheduling.
    static let chunkRecords = 16_384

    var count: Int { header.maxSplatCount }
    var coefficients: Int { (shDegree + 1) * (shDegree + 1) }

    /// Consecutive records of one section with one bucket centre (level 0: none, so any length).
    struct Run {
        var section: Int, first: Int, count: Int, record: Int
        var centre: SIMD3<Float>
    }

    /// What every record of a section needs: its size, the position step, and for each SH value
    /// kept, its byte offset in the record and its index in the Gaussian's SH block.
    struct SectionPlan {
        var recordBytes: Int, scaleRange: Float, step: Float
        var sh: [(offset: Int, target: Int)]
    }

    func plan(_ section: KSplatSection) -> SectionPlan {
        let level = header.compressionLevel
        let shBytes = KSplatRecord.componentBytes(compressionLevel: level).sh
        let shStart = KSplatRecord.offsets(compressionLevel: level).sh
        // Band l's 2l + 1 coefficients for R, then G, then B, after the bands below it.
        var sh: [(offset: Int, target: Int)] = []
        var v = 0
        for band in stride(from: 1, through: section.shDegree, by: 1) {
            for channel in 0..<3 {
                for m in 0..<(2 * band + 1) {
                    let coefficient = band * band + m
                    if coefficient < coefficients { sh.append((shStart + v * shBytes, coefficient * 3 + channel)) }
                    v += 1
                }
            }
        }
        let range = Float(section.compressionScaleRange)
        return SectionPlan(recordBytes: KSplatRecord.byteCount(compressionLevel: level, shDegree: section.shDegree),
                           scaleRange: range, step: section.bucketBlockSize / 2 / range, sh: sh)
    }

    /// Every section's records as runs, in file order: level 0 in runs of `chunkRecords`; levels
    /// 1 and 2 one run per bucket (full buckets of bucketSize, then each partial bucket's length).
    func runs(_ raw: UnsafeRawBufferPointer, plans: [SectionPlan]) -> [Run] {
        var runs: [Run] = []
        var first = 0
        for (s, section) in sections.enumerated() {
            var local = 0, bucket = 0
            while local < section.maxSplatCount {
                let length: Int, centre: SIMD3<Float>
                if header.compressionLevel == 0 {
                    length = min(Self.chunkRecords, section.maxSplatCount - local)
                    centre = .zero
                } else {
                    length = bucket < section.fullBucketCount ? section.bucketSize
                        : Int(raw.uint32(section.base + 4 * (bucket - section.fullBucketCount)))
                    let c = section.bucketsBase + 12 * bucket
                    centre = SIMD3(raw.float(c), raw.float(c + 4), raw.float(c + 8))
                    bucket += 1
                }
                if length > 0 {
                    runs.append(Run(section: s, first: first + local, count: length,
                                    record: section.dataBase + local * plans[s].recordBytes, centre: centre))
                }
                local += length
            }
            first += section.maxSplatCount
        }
        return runs
    }

    func decode(_ raw: UnsafeRawBufferPointer, checks: OpeningChecks) throws -> SplatCloud {
        let plans = sections.map(plan)
        let runs = runs(raw, plans: plans)
        // Chunks of whole runs, each at least chunkRecords long (but the last).
        let chunkStarts = Self.chunkStarts(runs)
        let good = UnsafeMutableBufferPointer<Bool>.allocate(capacity: chunkStarts.count - 1)
        defer { good.deallocate() }
        good.initialize(repeating: true)
        let flags = Flags(good: good)
        // Every record of every section is one Gaussian and runs cover them all, so every
        // element is written.
        var cloud = FloatRecordDecoder.uninitialisedCloud(count: count, degree: shDegree)
        CloudRows.withRows(of: &cloud) { rows in
            Self.halfTable.withUnsafeBufferPointer { halves in
                runs.withUnsafeBufferPointer { runs in
                    let out = Outputs(rows: rows, raw: raw, halves: halves, runs: runs)
                    DispatchQueue.concurrentPerform(iterations: chunkStarts.count - 1) { chunk in
                        var ok = true
                        for r in chunkStarts[chunk]..<chunkStarts[chunk + 1] {
                            let run = out.runs[r]
                            ok = decode(run, plan: plans[run.section], into: out) && ok
                        }
                        flags.good[chunk] = ok
                    }
                }
            }
        }
        if !good.allSatisfy({ $0 }) { try Self.reportFirstBadValue(cloud, checks: checks) }
        return cloud
    }

    /// Indices of the runs that start each chunk, and the end.
    static func chunkStarts(_ runs: [Run]) -> [Int] {
        var starts = [0]
        var inChunk = 0
        for (r, run) in runs.enumerated() {
            inChunk += run.count
            if inChunk >= chunkRecords, r + 1 < runs.count {
                starts.append(r + 1)
                inChunk = 0
            }
        }
        return starts + [runs.count]
    }

    private struct Outputs: @unchecked Sendable {
        let rows: CloudRows
        let raw: UnsafeRawBufferPointer
        let halves: UnsafeBufferPointer<Float>
        let runs: UnsafeBufferPointer<Run>
    }

    /// Every half float's value (256 KB, made once): a load instead of HalfFloat's branches, for
    /// the 7 to 31 halves of each level-1 record.
    static let halfTable: [Float] = (0...0xFFFF).map { HalfFloat.float(fromBits: UInt16($0)) }
    private struct Flags: @unchecked Sendable { let good: UnsafeMutableBufferPointer<Bool> }

    /// One run's records; false when a value is not finite or a scale is negative.
    private func decode(_ run: Run, plan: SectionPlan, into out: Outputs) -> Bool {
        let level = header.compressionLevel
        let raw = out.raw
        let at = KSplatRecord.offsets(compressionLevel: level)
        let f = KSplatRecord.componentBytes(compressionLevel: level).float
        let shLow = header.shRange.lowerBound, shSpan = header.shRange.upperBound - header.shRange.lowerBound
        let k3 = coefficients * 3
        let halves = out.halves
        @inline(__always) func half(_ o: Int) -> Float { halves[Int(raw.uint16(o))] }
        @inline(__always) func component(_ o: Int) -> Float { level == 0 ? raw.float(o) : half(o) }
        var good = true
        for j in 0..<run.count {
            let o = run.record + j * plan.recordBytes
            let i = run.first + j
            let position = level == 0 ? SIMD3(raw.float(o), raw.float(o + 4), raw.float(o + 8))
                : (SIMD3(Float(raw.uint16(o)), Float(raw.uint16(o + 2)), Float(raw.uint16(o + 4))) - plan.scaleRange) * plan.step + run.centre
            let scale = SIMD3(component(o + at.scale), component(o + at.scale + f), component(o + at.scale + 2 * f))
            // Stored w, x, y, z: Splat4D's order.
            let q = SIMD4(component(o + at.rotation), component(o + at.rotation + f),
                          component(o + at.rotation + 2 * f), component(o + at.rotation + 3 * f))
            // x·0 is 0 only for finite x.
            good = good && position * 0 == .zero && scale * 0 == .zero && q * 0 == .zero && all(scale .>= 0)
            out.rows.positions[i] = position
            out.rows.scales[i] = scale
            // A non-finite quaternion is kept as it is, for the report to find.
            out.rows.rotations[i] = q * 0 == .zero ? normalizedQuaternion(q) : q
            let sh = out.rows.sh.baseAddress! + i * k3
            for c in 0..<3 {
                sh[c] = Float((Double(raw[o + at.colour + c]) / 255 - 0.5) / SphericalHarmonics.c0InDouble)
            }
            out.rows.opacities[i] = min(max(Float(raw[o + at.colour + 3]) / 255, 1e-4), 1 - 1e-4)
            for (offset, target) in plan.sh {
                let p = o + offset
                let value: Float = switch level {
                case 0: raw.float(p)
                case 1: half(p)
                default: shLow + Float(raw[p]) / 255 * shSpan
                }
                good = good && value * 0 == 0
                sh[target] = value
            }
        }
        return good
    }

    static let fieldNames = ["x", "y", "z", "scale_0", "scale_1", "scale_2"]

    /// The first non-finite value or negative scale, by Gaussian and field.
    static func reportFirstBadValue(_ cloud: SplatCloud, checks: OpeningChecks) throws {
        let k3 = cloud.coefficientsPerGaussian * 3
        for i in 0..<cloud.count {
            let values = [cloud.positions[i].x, cloud.positions[i].y, cloud.positions[i].z,
                          cloud.scales[i].x, cloud.scales[i].y, cloud.scales[i].z]
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw checks.fail("non-finite value in field '\(fieldNames[bad])' of Gaussian \(i)")
            }
            if let bad = values[3...].firstIndex(where: { $0 < 0 }) {
                throw checks.fail("negative scale in field '\(fieldNames[bad])' of Gaussian \(i)")
            }
            if !(cloud.rotations[i] * 0 == .zero) { throw checks.fail("non-finite value in field 'rotation' of Gaussian \(i)") }
            if cloud.sh[(i * k3)..<((i + 1) * k3)].contains(where: { !$0.isFinite }) {
                throw checks.fail("non-finite value in field 'sh' of Gaussian \(i)")
            }
        }
        throw checks.fail("non-finite value")  // not reached: the decoder flagged one of the above
    }
}
