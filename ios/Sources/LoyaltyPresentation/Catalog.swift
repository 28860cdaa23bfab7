// The String Catalog (Resources/Localizable.xcstrings, Apple's JSON format)
// read as it is: the words are chosen with Format.plural — the same CLDR rules
// as on Android — and numbers arrive already formatted by Format, so a text
// here is the text Android shows. scripts/check-ios.sh evaluates the same file
// the same way against tests/presentation/texts.json and errors.json.
import Foundation

/// One argument of a catalogue string: a count (`%lld`, also picks plural forms) or a text (`%@`).
public enum CatalogArg: Sendable, Equatable {
    case int(Int64)
    case text(String)
}

/// The strings of a String Catalog, per language.
public final class Catalog: Sendable {
    private struct Variant: Sendable {
        let value: String?
        let plural: [String: String]
        let substitutions: [String: Substitution]
    }

    private struct Substitution: Sendable {
        let argNum: Int
        let plural: [String: String]
    }

    /// key → language → variant.
    private let strings: [String: [String: Variant]]

    /// The catalogue that ships in this module.
    public static let shared: Catalog = {
        guard let url = Bundle.module.url(forResource: "Localizable", withExtension: "xcstrings"),
              let catalog = try? Catalog(contentsOf: url) else {
            fatalError("Localizable.xcstrings is missing from the LoyaltyPresentation bundle or is not a String Catalog")
        }
        return catalog
    }()

    public convenience init(contentsOf url: URL) throws {
        try self.init(data: Data(contentsOf: url))
    }

    public init(data: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = root["strings"] as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var strings: [String: [String: Variant]] = [:]
        for (key, value) in entries {
            guard let entry = value as? [String: Any], let localizations = entry["localizations"] as? [String: Any] else {
                continue
            }
            var byLang: [String: Variant] = [:]
            for (lang, body) in localizations {
                guard let loc = body as? [String: Any] else {
                    continue
                }
                var substitutions: [String: Substitution] = [:]
                for (name, sub) in loc["substitutions"] as? [String: Any] ?? [:] {
                    guard let s = sub as? [String: Any] else {
                        continue
                    }
                    substitutions[name] = Substitution(argNum: s["argNum"] as? Int ?? 1, plural: Catalog.plural(of: s))
                }
                byLang[lang] = Variant(value: Catalog.value(of: loc), plural: Catalog.plural(of: loc), substitutions: substitutions)
            }
            strings[key] = byLang
        }
        self.strings = strings
    }

    /// Every key of the catalogue.
    public var keys: [String] {
        strings.keys.sorted()
    }

    /// The text of `key` in `lang` with `args`, or nil when the catalogue has none.
    public func text(_ key: String, _ lang: Lang, _ args: [CatalogArg] = []) -> String? {
        guard let v = strings[key]?[lang.rawValue] else {
            return nil
        }
        let count = args.lazy.compactMap { arg -> Int64? in
            if case .int(let n) = arg { return n }
            return nil
        }.first
        var template: String
        if !v.plural.isEmpty {
            let category = Format.plural(lang, count ?? 0).rawValue
            guard let chosen = v.plural[category] ?? v.plural["other"] else {
                return nil
            }
            template = chosen
        } else if let value = v.value {
            template = value
        } else {
            return nil
        }
        for (name, sub) in v.substitutions {
            let index = sub.argNum - 1
            guard index >= 0, index < args.count, case .int(let n) = args[index] else {
                return nil
            }
            let category = Format.plural(lang, n).rawValue
            guard let chosen = sub.plural[category] ?? sub.plural["other"] else {
                return nil
            }
            template = template.replacingOccurrences(of: "%#@" + name + "@", with: chosen.replacingOccurrences(of: "%arg", with: "\(n)"))
        }
        return Catalog.format(template, args)
    }

    /// Fills `%@`, `%lld`, `%d` and their positional forms (`%2$@`) with `args`; `%%` is a percent sign.
    static func format(_ template: String, _ args: [CatalogArg]) -> String {
        var out = ""
        var next = 0
        let chars = Array(template)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            guard c == "%", i < chars.count else {
                out.append(c)
                continue
            }
            if chars[i] == "%" {
                out.append("%")
                i += 1
                continue
            }
            var position: Int?
            var j = i
            var digits = ""
            while j < chars.count, chars[j].isASCII, chars[j].isNumber {
                digits.append(chars[j])
                j += 1
            }
            if !digits.isEmpty, j < chars.count, chars[j] == "$" {
                position = Int(digits)
                i = j + 1
            }
            var spec = ""
            for candidate in ["lld", "ld", "d", "@"] where String(chars[i..<min(chars.count, i + candidate.count)]) == candidate {
                spec = candidate
                break
            }
            guard !spec.isEmpty else {
                out.append(c)
                continue
            }
            i += spec.count
            let index = position.map { $0 - 1 } ?? next
            if position == nil {
                next += 1
            }
            guard index >= 0, index < args.count else {
                continue
            }
            switch args[index] {
            case .int(let n): out += "\(n)"
            case .text(let s): out += s
            }
        }
        return out
    }

    private static func value(of node: [String: Any]) -> String? {
        (node["stringUnit"] as? [String: Any])?["value"] as? String
    }

    private static func plural(of node: [String: Any]) -> [String: String] {
        guard let plural = (node["variations"] as? [String: Any])?["plural"] as? [String: Any] else {
            return [:]
        }
        var forms: [String: String] = [:]
        for (category, body) in plural {
            if let b = body as? [String: Any], let v = value(of: b) {
                forms[category] = v
            }
        }
        return forms
    }
}
