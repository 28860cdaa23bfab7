// What the shopper reads for each error code of the core, in both languages
// (the catalogue's "error.<code>" keys, as ErrorTexts.kt on Android). The
// core's own `reason` is for logs and support.
import Foundation
import LoyaltyCore

public enum ErrorTexts {
    /// The message for `code` in `lang`; a code from a newer core gets a general one.
    public static func message(_ code: String, _ lang: Lang, catalog: Catalog = .shared) -> String {
        known(code, lang, catalog: catalog) ?? catalog.text("error.unknown", lang) ?? code
    }

    /// The message for `code` in `lang`, or nil when the catalogue has none (tests).
    public static func known(_ code: String, _ lang: Lang, catalog: Catalog = .shared) -> String? {
        catalog.text("error." + code, lang)
    }
}

/// The stable code of an error from the client (`internal` for anything else).
public func loyaltyErrorCode(_ error: Error) -> String {
    if case LoyaltyError.Failure(let code, _) = error {
        return code
    }
    return "internal"
}
