import Foundation
import Logging
import ServiceLifecycle
import StateModel

/// Delivers the outbox: due events to every notifier that wants them, at least once, in order of
/// the changes. A failed attempt is retried with exponential backoff and jitter; after the last
/// attempt the event is dead (listed at /api/v1/notifications?state=dead, retried by an admin).
/// Stops with the server.
struct OutboxWorker: Service {
    let services: ServerServices
    let logger: Logger
    let delivery = NotificationDelivery()

    /// Delivered events are kept this long (the API lists them), dead ones longer (an admin may
    /// retry them); then they are deleted, hourly, so the outbox does not grow without end.
    static let keepDelivered: TimeInterval = 7 * 24 * 3600
    static let keepDead: TimeInterval = 30 * 24 * 3600

    func run() async throws {
        // Shutdown cancels the loop; that is its normal end, not a failure of the server.
        await cancelWhenGracefulShutdown {
            var pruned = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                await deliverDue()
                if ContinuousClock.now - pruned >= .seconds(3600) {
                    await prune(now: Date())
                    pruned = .now
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Deletes delivered and dead events past their keeping time.
    func prune(now: Date) async {
        do {
            let count = try await services.state.pruneOutbox(
                deliveredBefore: now.addingTimeInterval(-Self.keepDelivered),
                deadBefore: now.addingTimeInterval(-Self.keepDead))
            if count > 0 { logger.info("pruned the outbox", metadata: ["events": .stringConvertible(count)]) }
        } catch {
            logger.error("cannot prune the outbox", metadata: ["error": "\(error)"])
        }
    }

    func deliverDue() async {
        let configuration = services.configuration
        let events: [OutboxEvent]
        do {
            events = try await services.state.dueEvents(at: Date(), limit: 50)
        } catch {
            logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
            return
        }
        for event in events where !Task.isCancelled {
            var failures: [String] = []
            for notifier in configuration.notifiers where notifier.wants(type: event.type, fields: event.fields) {
                do {
                    try await delivery.send(event, to: notifier)
                } catch {
                    failures.append("\(error)")
                }
            }
            do {
                if failures.isEmpty {
                    try await services.state.markDelivered(event.id, at: Date())
                } else {
                    let attempt = event.attempts + 1
                    let retryAt =
                        attempt >= configuration.notificationAttempts
                        ? nil
                        : Date().addingTimeInterval(
                            Self.backoff(attempt: attempt, base: configuration.notificationBackoff))
                    try await services.state.markFailed(
                        event.id, error: failures.joined(separator: "; "), retryAt: retryAt)
                    if retryAt == nil {
                        logger.warning(
                            "notification dead after \(attempt) attempts",
                            metadata: ["event": .string(event.id), "type": .string(event.type)])
                    }
                }
            } catch {
                logger.error("cannot record a notification's delivery", metadata: ["error": "\(error)"])
            }
        }
    }

    /// `base · 2^(attempt-1)`, at most 10 minutes, times a random factor in [0.5, 1]: retries of many
    /// events after an outage spread out instead of arriving together.
    static func backoff(attempt: Int, base: TimeInterval) -> TimeInterval {
        let exponential = min(600, base * pow(2, Double(max(0, attempt - 1))))
        return exponential * Double.random(in: 0.5...1.0)
    }
}
