import ArgumentParser
import Foundation
import SplatCore

/// Parsers for the small value syntaxes of the command line. Their errors are usage errors (exit 64).
enum ValueParsing {
    /// "x,y,z" → a vector of finite numbers.
    static func vector3(_ text: String, option: String) throws -> SIMD3<Float> {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw ValidationError("\(option) expects three comma-separated numbers, got '\(text)'")
        }
        var v = SIMD3<Float>()
        for (i, part) in parts.enumerated() {
            guard let n = Float(part.trimmingCharacters(in: .whitespaces)), n.isFinite else {
                throw ValidationError("\(option): '\(part)' is not a finite number")
            }
            v[i] = n
        }
        return v
    }

    /// "R,G,B" in [0, 1], or the names black and white.
    static func background(_ text: String) throws -> SIMD3<Float> {
        switch text.lowercased() {
        case "black": return [0, 0, 0]
        case "white": return [1, 1, 1]
        default:
            let v = try vector3(text, option: "--background")
            guard v.min() >= 0, v.max() <= 1 else {
                throw ValidationError("--background values must lie in [0, 1], got '\(text)'")
            }
            return v
        }
    }

    /// "T0:T1" with finite T0 ≤ T1.
    static func range(_ text: String, option: String) throws -> ClosedRange<Float> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Float(parts[0]), let b = Float(parts[1]), a.isFinite, b.isFinite, a <= b else {
            throw ValidationError("\(option) expects T0:T1 with finite T0 ≤ T1, got '\(text)'")
        }
        return a...b
    }

    /// "EX,EY,EZ:TX,TY,TZ:UX,UY,UZ" → eye, target, up. The up vector may be left out (−y, COLMAP).
    static func lookAt(_ text: String) throws -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw ValidationError("--look-at expects EX,EY,EZ:TX,TY,TZ[:UX,UY,UZ], got '\(text)'")
        }
        let eye = try vector3(parts[0], option: "--look-at eye")
        let target = try vector3(parts[1], option: "--look-at target")
        let up = parts.count == 3 ? try vector3(parts[2], option: "--look-at up") : [0, -1, 0]
        return (eye, target, up)
    }
}

