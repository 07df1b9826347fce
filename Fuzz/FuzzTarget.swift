import Foundation

// libFuzzer entry point for Splat4D's file readers. SplatCore's and SplatFormats' sources are
// compiled into this module (scripts/fuzz.sh), so the readers are called directly.
// SPLAT4D_FUZZ_FORMAT names the reader, one of `FuzzedReaders.all` (the registry: no second list);
// every input must decode or throw — a trap, overflow or ASan report is a finding.

let fuzzedReader: any FuzzedReader = {
    let name = ProcessInfo.processInfo.environment["SPLAT4D_FUZZ_FORMAT"] ?? ""
    guard let reader = FuzzedReaders.reader(named: name) else {
        let names = FuzzedReaders.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("set SPLAT4D_FUZZ_FORMAT to one of: \(names)\n".utf8))
        exit(2)
    }
    return reader
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    try? fuzzedReader.fuzz(Data(bytes: bytes, count: count))
    return 0
}
