import Foundation
import GantryCore
import Synchronization

/// One progress line on the terminal (stderr), redrawn at most ten times a second: what, how much,
/// how fast. Shown only to a person: never with `--json`, when stdout or stderr is not a terminal,
/// or with `CI=true`.
final class ProgressMeter: Sendable {
    private struct State {
        var lastDraw = ContinuousClock.now - .seconds(1)
        var started: [String: ContinuousClock.Instant] = [:]
        var drawn = false
    }

    private let state = Mutex(State())

    /// A meter, or nil when progress must not be shown.
    static func forTerminal(json: Bool, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ProgressMeter?
    {
        guard !json, isatty(1) == 1, isatty(2) == 1, environment["CI"]?.lowercased() != "true" else { return nil }
        return ProgressMeter()
    }

    /// The handler to give a library.
    var handler: ProgressHandler { { [self] update in self.show(update) } }

    private func show(_ update: ProgressUpdate) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            let started = state.started[update.label] ?? now
            state.started[update.label] = started
            let finished = update.total.map { update.done >= $0 } ?? false
            guard finished || now - state.lastDraw >= .milliseconds(100) else { return nil }
            state.lastDraw = now
            state.drawn = true
            return Self.render(update, elapsed: now - started)
        }
        guard let line else { return }
        Terminal.write(2, Data("\r\u{1B}[K\(TerminalText.neutralize(line))".utf8))
    }

    /// Clears the line before the command prints its result.
    func finish() {
        let drawn = state.withLock { $0.drawn }
        if drawn { Terminal.write(2, Data("\r\u{1B}[K".utf8)) }
    }

    /// `pack dist: 12.0 MiB of 40.0 MiB (95.3 MiB/s)`; the rate once it means something (after half a second).
    static func render(_ update: ProgressUpdate, elapsed: Duration) -> String {
        let seconds = elapsed.seconds
        let perSecond = seconds >= 0.5 ? Double(update.done) / seconds : nil
        if let items = update.items {
            let total = update.total.map { " of \($0)" } ?? ""
            let rate = perSecond.map { " (\(Int($0))/s)" } ?? ""
            return "\(update.label): \(update.done)\(total) \(items)\(rate)"
        }
        let total = update.total.map { " of \(bytes($0))" } ?? ""
        let rate = perSecond.map { " (\(bytes(Int64($0)))/s)" } ?? ""
        return "\(update.label): \(bytes(update.done))\(total)\(rate)"
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(String(format: "%.1f", value)) \(units[unit])"
    }
}
