// Formatting of what the core returns, written out by hand exactly as the
// Kotlin presentation layer does (android/presentation/.../Format.kt), so that
// both apps print the same characters; tests/presentation/format.json pins it.
import Foundation

/// The two languages the app speaks; anything else falls back to English.
public enum Lang: String, CaseIterable, Sendable {
    case ru
    case en

    /// The language for a device locale (`ru`, `ru-RU`, … → Russian).
    public static func of(_ locale: Locale) -> Lang {
        locale.language.languageCode?.identifier == "ru" ? .ru : .en
    }
}

/// CLDR plural categories of the two languages (English uses one and other).
public enum Plural: String, Sendable {
    case one
    case few
    case many
    case other
}

/// Money in minor units, points, dates and durations, in Russian or English.
///
/// Russian: "1 540 ₽", "1 540,50 ₽", "1 балл, 2 балла, 5 баллов", "14 декабря".
/// English: "₽1,540", "₽1,540.50", "1 point, 2 points", "December 14".
public struct Format: Sendable {
    /// No-break space: numbers and their units never part at a line end.
    public static let nbsp = "\u{00A0}"
    /// The minus sign (U+2212), not a hyphen.
    public static let minus = "\u{2212}"

    public let lang: Lang
    public let zone: TimeZone

    public init(lang: Lang, zone: TimeZone) {
        self.lang = lang
        self.zone = zone
    }

    /// A whole number with the language's thousands separator.
    public func number(_ n: Int64) -> String {
        let digits = Array(String(n.magnitude))
        var groups: [String] = []
        var end = digits.count
        while end > 0 {
            let start = max(0, end - 3)
            groups.insert(String(digits[start..<end]), at: 0)
            end = start
        }
        let grouped = groups.joined(separator: lang == .ru ? Format.nbsp : ",")
        return n < 0 ? Format.minus + grouped : grouped
    }

    /// Money in minor units of `currency` (ISO 4217); kopecks shown only when there are some.
    public func money(_ minor: Int64, currency: String) -> String {
        let negative = minor < 0
        // Split before taking the sign off, so Int64.min keeps its last kopeck.
        let whole = number(Int64((minor / 100).magnitude))
        let cents = Int64((minor % 100).magnitude)
        let decimal = lang == .ru ? "," : "."
        let amount = cents == 0 ? whole : whole + decimal + Format.twoDigits(cents)
        let known = Format.symbols[currency]
        let symbol = known ?? currency
        let text: String
        if lang == .ru {
            text = amount + Format.nbsp + symbol
        } else if known != nil {
            text = symbol + amount
        } else {
            text = symbol + Format.nbsp + amount
        }
        return negative ? Format.minus + text : text
    }

    /// Points with the word in its plural form: "1 балл", "5 баллов", "21 points".
    public func points(_ n: Int64) -> String {
        number(n) + Format.nbsp + pointsWord(n)
    }

    /// Points as a signed change for history lines: "+150", "−40".
    public func pointsDelta(_ n: Int64) -> String {
        n > 0 ? "+" + number(n) : number(n)
    }

    /// The word for `n` points alone.
    public func pointsWord(_ n: Int64) -> String {
        word(n, ru: ("балл", "балла", "баллов"), en: ("point", "points"))
    }

    /// Days: "1 день", "3 дня", "5 дней"; "1 day", "3 days".
    public func days(_ n: Int64) -> String {
        number(n) + Format.nbsp + word(n, ru: ("день", "дня", "дней"), en: ("day", "days"))
    }

    /// A time left, coarsest unit first: "3 дня", "5 часов", "12 минут"; "3 days".
    public func timeLeft(_ seconds: Int64) -> String {
        let s = max(seconds, 0)
        if s >= Format.day {
            return days(s / Format.day)
        }
        if s >= Format.hour {
            let n = s / Format.hour
            return number(n) + Format.nbsp + word(n, ru: ("час", "часа", "часов"), en: ("hour", "hours"))
        }
        let n = (s + Format.minute - 1) / Format.minute
        return number(n) + Format.nbsp + word(n, ru: ("минута", "минуты", "минут"), en: ("minute", "minutes"))
    }

    /// Seconds: "21 секунда", "5 секунд"; "21 seconds".
    public func seconds(_ n: Int64) -> String {
        number(n) + Format.nbsp + word(n, ru: ("секунда", "секунды", "секунд"), en: ("second", "seconds"))
    }

    /// A date in the device's zone: "14 декабря" (the year added when it is not this year's).
    public func date(_ epochMs: Int64, nowMs: Int64) -> String {
        let d = parts(epochMs)
        let thisYear = parts(nowMs).year
        let base: String
        switch lang {
        case .ru:
            base = "\(d.day)" + Format.nbsp + Format.ruMonthsGenitive[d.month - 1]
        case .en:
            base = Format.enMonths[d.month - 1] + Format.nbsp + "\(d.day)"
        }
        if d.year == thisYear {
            return base
        }
        return lang == .ru ? base + " \(d.year)" + Format.nbsp + "г." : base + ", \(d.year)"
    }

    /// A date with the time of day: "14 декабря, 10:05"; "December 14, 10:05".
    public func dateTime(_ epochMs: Int64, nowMs: Int64) -> String {
        let d = parts(epochMs)
        return date(epochMs, nowMs: nowMs) + ", " + Format.twoDigits(Int64(d.hour)) + ":" + Format.twoDigits(Int64(d.minute))
    }

    /// The time of day when `epochMs` falls on today's date in the zone ("10:05"), else the date with the time ("30 ноября, 10:05").
    public func clock(_ epochMs: Int64, nowMs: Int64) -> String {
        let d = parts(epochMs)
        let today = parts(nowMs)
        if d.year == today.year && d.month == today.month && d.day == today.day {
            return Format.twoDigits(Int64(d.hour)) + ":" + Format.twoDigits(Int64(d.minute))
        }
        return dateTime(epochMs, nowMs: nowMs)
    }

    /// A percent given in hundredths: 1500 → "15 %" / "15%", 1250 → "12,5 %" / "12.5%".
    public func percent(_ hundredths: Int64) -> String {
        let whole = hundredths / 100
        let frac = Swift.abs(hundredths % 100)
        let decimal = lang == .ru ? "," : "."
        var digits = ""
        if frac != 0 {
            var two = Format.twoDigits(frac)
            while two.hasSuffix("0") {
                two.removeLast()
            }
            digits = decimal + two
        }
        return lang == .ru ? "\(whole)\(digits)" + Format.nbsp + "%" : "\(whole)\(digits)%"
    }

    /// The CLDR plural category of `n` in this language.
    public func plural(_ n: Int64) -> Plural {
        Format.plural(lang, n)
    }

    /// CLDR plural rules for integers. Russian: one — ends in 1 but not 11;
    /// few — ends in 2–4 but not 12–14; many — the rest. English: one — 1.
    public static func plural(_ lang: Lang, _ n: Int64) -> Plural {
        let a: Int64 = n == Int64.min ? Int64.max : Swift.abs(n)
        switch lang {
        case .en:
            return a == 1 ? .one : .other
        case .ru:
            let d = a % 10
            let h = a % 100
            if d == 1 && h != 11 {
                return .one
            }
            if d >= 2 && d <= 4 && !(h >= 12 && h <= 14) {
                return .few
            }
            return .many
        }
    }

    // MARK: - Private

    private func word(_ n: Int64, ru: (String, String, String), en: (String, String)) -> String {
        switch lang {
        case .ru:
            switch Format.plural(.ru, n) {
            case .one: return ru.0
            case .few: return ru.1
            default: return ru.2
            }
        case .en:
            return Format.plural(.en, n) == .one ? en.0 : en.1
        }
    }

    private struct DateParts {
        let year: Int
        let month: Int
        let day: Int
        let hour: Int
        let minute: Int
    }

    private func parts(_ epochMs: Int64) -> DateParts {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // Whole seconds, rounded down as Java's Instant does for negative instants too.
        let seconds = epochMs >= 0 ? epochMs / 1000 : -((-epochMs + 999) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return DateParts(year: c.year ?? 0, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0, minute: c.minute ?? 0)
    }

    private static func twoDigits(_ n: Int64) -> String {
        n < 10 ? "0\(n)" : "\(n)"
    }

    private static let minute: Int64 = 60
    private static let hour: Int64 = 3_600
    private static let day: Int64 = 86_400

    private static let symbols: [String: String] = ["RUB": "₽", "EUR": "€", "USD": "$", "KZT": "₸", "BYN": "Br"]

    private static let ruMonthsGenitive = [
        "января", "февраля", "марта", "апреля", "мая", "июня",
        "июля", "августа", "сентября", "октября", "ноября", "декабря",
    ]
    private static let enMonths = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
}
