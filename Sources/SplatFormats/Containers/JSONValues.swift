import Foundation
import SplatCore

/// Typed reads from parsed JSON (JSONSerialization's `Any`), with one-line errors that name the
/// key: the one JSON reader of camera files and formats with JSON headers (splaTV).
enum JSONValues {
    /// The parsed document, or nil when the bytes are not JSON.
    static func parse(_ data: Data) -> Any? {
        try? JSONSerialization.jsonObject(with: data)
    }

    /// A finite number (JSON true/false are not numbers).
    static func number(_ value: Any?, key: String, fail: (String) -> SceneFileError) throws -> Double {
        guard let value else { throw fail("missing key '\(key)'") }
        guard let n = value as? NSNumber, !n.isBoolean, n.doubleValue.isFinite else { throw fail("'\(key)' must be a finite number") }
        return n.doubleValue
    }

    /// A list of exactly three finite numbers.
    static func vector3(_ value: Any?, key: String, fail: (String) -> SceneFileError) throws -> SIMD3<Float> {
        guard let value else { throw fail("missing key '\(key)'") }
        guard let list = value as? [Any], list.count == 3 else { throw fail("'\(key)' must be a list of 3 numbers") }
        var v = SIMD3<Float>()
        for (i, element) in list.enumerated() { v[i] = Float(try number(element, key: key, fail: fail)) }
        return v
    }

    /// A list of exactly four finite numbers.
    static func vector4(_ value: Any?, key: String, fail: (String) -> SceneFileError) throws -> SIMD4<Float> {
        guard let value else { throw fail("missing key '\(key)'") }
        guard let list = value as? [Any], list.count == 4 else { throw fail("'\(key)' must be a list of 4 numbers") }
        var v = SIMD4<Float>()
        for (i, element) in list.enumerated() { v[i] = Float(try number(element, key: key, fail: fail)) }
        return v
    }

    /// A whole number in 0...2⁵³ (exact in a Double), or nil when the key is absent.
    static func wholeNumber(_ value: Any?, key: String, fail: (String) -> SceneFileError) throws -> Int? {
        guard let value else { return nil }
        guard let n = value as? NSNumber, !n.isBoolean, n.doubleValue >= 0, n.doubleValue <= 0x1p53,
              n.doubleValue == n.doubleValue.rounded() else {
            throw fail("'\(key)' must be a whole number")
        }
        return Int(n.doubleValue)
    }
}

extension NSNumber {
    /// JSON true/false (Foundation bridges 0 and 1 to Bool too, so `is Bool` cannot tell).
    var isBoolean: Bool { String(cString: objCType) == "c" }
}
