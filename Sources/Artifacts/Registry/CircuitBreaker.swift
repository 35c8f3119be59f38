public import Foundation
import Synchronization

/// Stops calling a registry that keeps failing: after `threshold` failures in a row the circuit opens
/// for `cooldown`, and calls fail at once with a message that says so. One success closes it.
public final class CircuitBreaker: Sendable {
    public let threshold: Int
    public let cooldown: TimeInterval
    private let state = Mutex<(failures: Int, openUntil: Date?)>((0, nil))

    public init(threshold: Int = 5, cooldown: TimeInterval = 30) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    /// Throws `RegistryError.circuitOpen` while the circuit is open.
    public func check(registry: String, now: Date = Date()) throws {
        let openUntil = state.withLock { state -> Date? in
            guard let until = state.openUntil else { return nil }
            if until <= now {
                state.openUntil = nil  // half-open: let one call through
                return nil
            }
            return until
        }
        if let openUntil {
            throw RegistryError.circuitOpen(
                "circuit breaker open for \(registry) after \(threshold) failures in a row; not calling it again for \(Int(openUntil.timeIntervalSince(now).rounded(.up)))s"
            )
        }
    }

    /// Records a failure; returns true when this failure opened the circuit.
    @discardableResult
    public func failure(now: Date = Date()) -> Bool {
        state.withLock { state in
            state.failures += 1
            guard state.failures >= threshold, state.openUntil == nil else { return false }
            state.openUntil = now.addingTimeInterval(cooldown)
            return true
        }
    }

    public func success() { state.withLock { $0 = (0, nil) } }

    public var isOpen: Bool { state.withLock { $0.openUntil.map { $0 > Date() } ?? false } }
}
