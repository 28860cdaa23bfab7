// The core's log lines into the unified log (Console.app, `log stream`).
// The core never logs secrets or codes (its tests check), so the text is
// public; the level maps onto os_log's.
import Foundation
import LoyaltyCore
import os

final class OSLogSink: LogSink, @unchecked Sendable {
    private let logger: Logger

    init(category: String) {
        logger = Logger(subsystem: "app.loyalty", category: category)
    }

    func log(record: LogRecord) {
        switch record.level {
        case .trace, .debug:
            logger.debug("\(record.target, privacy: .public): \(record.text, privacy: .public)")
        case .info:
            logger.info("\(record.target, privacy: .public): \(record.text, privacy: .public)")
        case .warn:
            logger.warning("\(record.target, privacy: .public): \(record.text, privacy: .public)")
        case .error:
            logger.error("\(record.target, privacy: .public): \(record.text, privacy: .public)")
        }
    }
}
