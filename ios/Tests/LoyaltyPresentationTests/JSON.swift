// A JSON value for the shared vectors (tests/presentation/*.json): integers
// stay exact Int64 (the vectors use the 64-bit limits), and comparisons of
// numbers allow 1e-6 (progress fractions).
import Foundation

enum JSON: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    static func load(_ url: URL) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(contentsOf: url))
    }

    subscript(key: String) -> JSON {
        if case .object(let o) = self, let v = o[key] {
            return v
        }
        return .null
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        default: return nil
        }
    }

    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    var array: [JSON] {
        if case .array(let a) = self { return a }
        return []
    }

    var object: [String: JSON] {
        if case .object(let o) = self { return o }
        return [:]
    }

    var isNull: Bool {
        self == .null
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return "\(d)"
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\u{00A0}", with: "⍽").replacingOccurrences(of: "\u{2212}", with: "−(U+2212)") + "\""
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { "\($0): \(o[$0]!.description)" }.joined(separator: ", ") + "}"
        }
    }

    /// Equal, numbers within 1e-6.
    func same(_ other: JSON) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            return Set(a.keys) == Set(b.keys) && a.keys.allSatisfy { a[$0]!.same(b[$0]!) }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.same($1) }
        case (.int(let a), .int(let b)):
            return a == b
        case (.int, .double), (.double, .int), (.double, .double):
            guard let a = number, let b = other.number else { return false }
            return Swift.abs(a - b) < 1e-6
        default:
            return self == other
        }
    }

    private var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// Shorthands for building the actual side of a comparison.
func j(_ s: String?) -> JSON { s.map { JSON.string($0) } ?? .null }
func j(_ b: Bool) -> JSON { .bool(b) }
func j(_ i: Int64?) -> JSON { i.map { JSON.int($0) } ?? .null }
func j(_ i: Int) -> JSON { .int(Int64(i)) }
func j(_ d: Double) -> JSON { .double(d) }
func j(_ o: [String: JSON]) -> JSON { .object(o) }
func j(_ a: [JSON]) -> JSON { .array(a) }

/// "a580…" → bytes.
func hexData(_ s: String) -> Data {
    var out = Data()
    var chars = Array(s)
    if chars.count % 2 == 1 {
        chars.insert("0", at: 0)
    }
    var i = 0
    while i < chars.count {
        out.append(UInt8(String(chars[i..<i + 2]), radix: 16) ?? 0)
        i += 2
    }
    return out
}
