// The card screen (Card.kt on Android): the code for the till, its countdown,
// the switch to a linear barcode, and the window decisions (brightness,
// keep-awake, privacy) that the app applies. The ticker refreshes at every
// whole second of the countdown and exactly when the code rotates.
import Foundation
import LoyaltyCore
import Observation

/// The QR code's modules as the core computed them: row-major bits, MSB first, rows not byte-aligned.
public struct QrImage: Equatable, Sendable {
    /// Modules per side, without the quiet zone.
    public let side: Int
    /// Light modules to leave on every side.
    public let quietZone: Int
    private let bits: Data

    public init(side: Int, quietZone: Int, bits: Data) {
        self.side = side
        self.quietZone = quietZone
        self.bits = bits
    }

    /// Modules per side with the quiet zone.
    public var fullSide: Int {
        side + 2 * quietZone
    }

    /// Whether module (`x`, `y`) of the code (quiet zone excluded) is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        let i = y * side + x
        let byte = bits[bits.startIndex + i / 8]
        return (byte >> UInt8(7 - i % 8)) & 1 == 1
    }

    /// The largest whole number of pixels per module that fits `maxPx`
    /// (quiet zone included): the code is never smoothed or scaled by a
    /// fraction, as tills read crisp modules best. Zero when it does not fit.
    public func pixelsPerModule(maxPx: Int) -> Int {
        maxPx / fullSide
    }
}

/// A linear barcode for tills without a QR scanner: bar and space widths, bar first.
public struct BarsImage: Equatable, Sendable {
    public let widths: [Int]
    public let quietZone: Int
    public let text: String
}

/// Which code the card screen shows.
public enum CodeKind: String, Sendable {
    case qr
    case linear
}

/// What the window does while the card is in front: decided here, applied by the app.
public struct WindowState: Equatable, Sendable {
    /// Full screen brightness (tills read a bright screen best).
    public var fullBrightness = false
    /// Keep the screen on (isIdleTimerDisabled) while the shopper waits at the till.
    public var keepScreenOn = false
    /// Keep the card out of the app switcher's snapshot (iOS cannot block screenshots).
    public var secure = false

    public init(fullBrightness: Bool = false, keepScreenOn: Bool = false, secure: Bool = false) {
        self.fullBrightness = fullBrightness
        self.keepScreenOn = keepScreenOn
        self.secure = secure
    }
}

/// The code, ready for the till.
public struct ShownCard: Equatable, Sendable {
    public let number: String
    public let numberDescription: String
    public let payload: String
    public let kind: CodeKind
    public let qr: QrImage?
    public let bars: BarsImage?
    /// "Code changes in 21 seconds"; nil for a static code.
    public let countdown: String?
    /// What a screen reader says for the code.
    public let codeDescription: String
    /// How long a till still takes this code; nil for a static code.
    public let screenshotNote: String?
    /// "Works at any till, even offline": the QR code is the device-signed LOY2 code.
    public let offlineNote: String?
    /// Why a LOY2 card shows its LOY1 code instead (the till must be online); nil otherwise.
    public let codeNotice: String?
    public let switchLabel: String
    public let canSwitch: Bool
    /// A non-blocking notice (a failed sync); the code still works.
    public let notice: String?
    /// Set when the phone's clock is too far off for codes to pass.
    public let clockWarning: String?
}

/// The card screen.
public enum CardState: Equatable, Sendable {
    /// Before the first frame.
    case loading
    /// No card enrolled yet.
    case noCard(message: String)
    /// The code, ready for the till.
    case shown(ShownCard)
    /// Something failed; the message says what to do.
    case failed(message: String)
}

/// When the card screen refreshes.
public enum CardTicker {
    /// How often a static code is looked at again (in case a sync changed the program).
    public static let idleMs: Int64 = 60_000

    /// Milliseconds to the next whole second of the countdown (the rotation itself included).
    public static func nextTick(millisToRotation: Int64) -> Int64 {
        let rest = millisToRotation % 1000
        return rest == 0 ? 1000 : rest
    }
}

/// The card screen's model. While `run()` runs it refreshes the frame at
/// every whole second of the countdown and exactly when the code rotates
/// (aligned to `millisToRotation`, never polling faster); the core caches
/// the frame per step, so a refresh is a cheap read.
@MainActor
@Observable
public final class CardModel {
    public private(set) var state: CardState = .loading
    /// Brightness, keep-awake and privacy decisions.
    public private(set) var window = WindowState()
    @ObservationIgnored private var kind: CodeKind = .qr
    @ObservationIgnored private var lastView: CardView?
    @ObservationIgnored private let env: Env
    @ObservationIgnored private let sync: SyncCoordinator?

    public init(env: Env, sync: SyncCoordinator? = nil) {
        self.env = env
        self.sync = sync
    }

    /// The card is (not) in front of the shopper: brightness and keep-awake follow it.
    public func onVisible(_ visible: Bool) {
        window = WindowState(fullBrightness: visible, keepScreenOn: visible, secure: visible)
    }

    /// Switches between the QR code and the linear barcode.
    public func toggleCode() async {
        kind = kind == .qr ? .linear : .qr
        await reload()
    }

    /// Reads the card and publishes a fresh state.
    public func reload() async {
        do {
            let view = try await env.call { client in try client.cardView() }
            lastView = view
            state = .shown(try await shown(view))
        } catch {
            lastView = nil
            if loyaltyErrorCode(error) == "no_card" {
                state = .noCard(message: env.texts.noCard)
            } else {
                state = .failed(message: env.message(error))
            }
        }
    }

    /// Loads the card, then refreshes it on the countdown's second boundaries
    /// until the calling task is cancelled; also when the card changes or a sync ends.
    public func run() async {
        await reload()
        let changes = Task { [weak self, env] in
            await env.follow([.card]) {
                await self?.reload()
            }
        }
        let syncs = Task { [weak self, sync] in
            guard let sync else {
                return
            }
            for await _ in sync.statuses() {
                await self?.reload()
            }
        }
        defer {
            changes.cancel()
            syncs.cancel()
        }
        while !Task.isCancelled {
            // A static code (or none) waits for a change instead of ticking.
            let ms = lastView?.millisToRotation.map { CardTicker.nextTick(millisToRotation: $0) } ?? CardTicker.idleMs
            do {
                try await Task.sleep(nanoseconds: UInt64(max(ms, 1)) * 1_000_000)
            } catch {
                return
            }
            await reload()
        }
    }

    /// What the shopper reads when a LOY2 card falls back to its LOY1 code:
    /// the device key failing this time, or any of the credential's states
    /// (missing, not yet valid, expired, revoked, for another key), which the
    /// next sync puts right. Either way the code on screen still pays at a
    /// till that is online.
    public static func codeNotice(_ notice: CardNotice, _ t: Texts) -> String {
        notice == .signerFailed ? t.offlineCodeFailed : t.offlineCodeUnavailable
    }

    private func shown(_ view: CardView) async throws -> ShownCard {
        let t = env.texts
        let f = env.format
        let qr = kind == .qr
        var bars: BarsImage?
        if !qr {
            let b = try await env.call { client in try client.cardBarcode() }
            bars = BarsImage(widths: b.widths.map { Int($0) }, quietZone: Int(b.quietZone), text: b.text)
        }
        let secs = view.secondsToRotation
        let status = sync?.status
        let skewed = status?.errorCode == "clock_skew"
        return ShownCard(
            number: view.displayNumber,
            numberDescription: t.cardNumberDescription(view.displayNumber),
            payload: qr ? view.payload : (bars?.text ?? view.payload),
            kind: kind,
            qr: qr && view.qrSide > 0 ? QrImage(side: Int(view.qrSide), quietZone: Int(view.quietZone), bits: view.qrBits) : nil,
            bars: bars,
            countdown: qr ? secs.map { t.codeChangesIn(seconds: $0, number: f.number($0)) } : nil,
            codeDescription: t.cardCodeDescription(seconds: qr ? secs : nil, number: secs.map { f.number($0) }),
            screenshotNote: qr ? view.secondsUntilRefused.map { t.screenshotNote(seconds: $0, number: f.number($0)) } : nil,
            offlineNote: qr && view.format == .loy2 ? t.worksOffline : nil,
            codeNotice: qr ? view.notice.map { CardModel.codeNotice($0, t) } : nil,
            switchLabel: qr ? t.showBarcode : t.showQr,
            canSwitch: true,
            notice: skewed ? nil : status?.notice,
            clockWarning: skewed ? ErrorTexts.message("clock_skew", f.lang) : nil
        )
    }
}
