import Foundation
import GantryCore
import Processes
import Synchronization

/// Prints a run for people: prefixed output lines and job state changes, and on a terminal a live
/// footer of running jobs with elapsed times. Colour only on a terminal and without `NO_COLOR`.
public final class ConsoleReporter: RunObserver {
    /// How output is shown.
    public enum Mode: Sendable {
        /// `[job] line` and one line per state change (CI, pipes, files).
        case plain
        /// Plain lines plus a redrawn footer of running jobs (interactive terminals).
        case live
    }

    private struct State {
        var buffer: [UInt8] = []
        var running: [(String, ContinuousClock.Instant)] = []
        var footerLines = 0
        var lastDraw = ContinuousClock.now
        var prefixes: [String: [UInt8]] = [:]
        /// The last job that printed and its prefix: consecutive lines mostly come from one job.
        var lastJob = ""
        var lastPrefix: [UInt8] = []
        /// When each running job last printed (or was last reported as still running).
        var lastHeard: [String: ContinuousClock.Instant] = [:]
    }

    private let mode: Mode
    private let color: Bool
    private let fd: Int32
    /// In plain mode, a job silent for this long gets a "still running" line (as GitLab's runner
    /// prints), so a long step in CI does not look hung. Nil turns it off.
    private let heartbeat: Duration?
    private let state = Mutex(State())
    private let ticker: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// - Parameters:
    ///   - fd: where to write (1 for stdout; 2 when stdout is reserved for `--json`).
    ///   - heartbeat: in plain mode, how long a running job may be silent before a "still running" line.
    public init(mode: Mode, color: Bool, fd: Int32 = 1, heartbeat: Duration? = .seconds(30)) {
        self.mode = mode
        self.color = color
        self.fd = fd
        self.heartbeat = heartbeat
    }

    /// Chooses plain or live and colour from the environment: live and colour only on a TTY,
    /// plain under `CI=true`, no colour with `NO_COLOR`.
    public static func forEnvironment(_ environment: [String: String], fd: Int32 = 1) -> ConsoleReporter {
        let tty = isatty(fd) == 1
        let ci = ["true", "1"].contains(environment["CI"]?.lowercased() ?? "")
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        // GANTRY_HEARTBEAT: a duration (default 30s), or `off`.
        let setting = environment["GANTRY_HEARTBEAT"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let heartbeat: Duration? =
            setting.lowercased() == "off" ? nil : (try? DurationParser.parse(setting)) ?? .seconds(30)
        return ConsoleReporter(
            mode: tty && !ci ? .live : .plain, color: tty && !noColor, fd: fd, heartbeat: heartbeat)
    }

    public func warning(_ text: String) {
        emit("\(paint("warning:", .yellow)) \(TerminalText.neutralize(text))\n")
    }

    public func runStarted(runID: String, jobs: [String]) {
        write("\(paint("gantry", .bold)) run \(runID): \(jobs.count) job\(jobs.count == 1 ? "" : "s")\n")
        // Output is buffered; the ticker flushes it (and redraws the live footer) a few times a second.
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(self?.mode == .live ? 250 : 100))
                self?.tick()
            }
        }
        ticker.withLock { $0 = task }
    }

    public func jobStarted(_ name: String) {
        state.withLock {
            $0.running.append((name, .now))
            $0.lastHeard[name] = .now
        }
        emit("\(prefix(name))\(paint("▶ started", .cyan))\n")
    }

    public func jobRetrying(_ name: String, attempt: Int, delay: Duration, reason: String) {
        emit("\(prefix(name))\(paint("↻ \(reason); retrying (attempt \(attempt)) in \(delay.humanShort)", .yellow))\n")
    }

    public func jobFinished(_ result: JobResult) {
        state.withLock {
            $0.running.removeAll { $0.0 == result.name }
            $0.lastHeard[result.name] = nil
        }
        let (symbol, tint): (String, Tint) =
            switch result.status {
            case .success: ("✓", .green)
            case .cached: ("✓", .green)
            case .skipped: ("–", .dim)
            case .failure, .timedOut, .retriesExhausted: result.continueOnError ? ("!", .yellow) : ("✗", .red)
            case .cancelled: ("✗", .yellow)
            }
        var text = "\(symbol) \(result.status.rawValue)"
        if result.status != .skipped { text += " in \(Duration.milliseconds(result.durationMs).humanShort)" }
        if result.attempts > 1 { text += ", \(result.attempts) attempts" }
        if let cache = result.cache { text += ", cache \(cache)" }
        if let reason = result.reason { text += " (\(reason))" }
        emit("\(prefix(result.name))\(paint(text, tint))\n")
    }

    public func outputLines(job: String, stream: ProcessStream, _ lines: LineBatch) {
        state.withLock { state in
            clearFooter(&state)
            if job != state.lastJob {
                if let known = state.prefixes[job] {
                    state.lastPrefix = known
                } else {
                    state.lastPrefix = Array(self.prefix(job).utf8)
                    state.prefixes[job] = state.lastPrefix
                }
                state.lastJob = job
            }
            let prefix = state.lastPrefix
            state.lastHeard[job] = .now
            lines.forEachLine { line in
                state.buffer.append(contentsOf: prefix)
                // Step output must not drive the terminal (the JSONL log keeps the bytes).
                TerminalText.append(line, to: &state.buffer)
                state.buffer.append(10)
            }
            if state.buffer.count > 64 * 1024 { flush(&state) }
        }
        if mode == .live { redraw(force: false) }
    }

    public func runFinished(_ result: RunResult) {
        ticker.withLock {
            $0?.cancel()
            $0 = nil
        }
        state.withLock { state in
            clearFooter(&state)
            state.running.removeAll()
            flush(&state)
        }
        var lines =
            "\n\(paint("Summary", .bold)) run \(result.runID) (\(Duration.milliseconds(result.durationMs).humanShort))\n"
        let width = min(60, result.jobs.map(\.name.count).max() ?? 10)
        for job in result.jobs {
            var flags: [String] = []
            if job.retried { flags.append("retried \(job.attempts - 1)×") }
            if job.status == .retriesExhausted { flags.append("retries exhausted") }
            if job.continueOnError && job.failsRun == false && job.status != .success && job.status != .skipped {
                flags.append("continue-on-error")
            }
            if let cache = job.cache { flags.append("cache \(cache)") }
            if let reason = job.reason, [.skipped, .failure, .success].contains(job.status) { flags.append(reason) }
            let name = Self.padded(TerminalText.neutralize(job.name), to: width)
            let status = Self.padded(job.status.rawValue, to: 17)
            let duration = job.status == .skipped ? "" : Duration.milliseconds(job.durationMs).humanShort
            lines += "  \(name)  \(paint(status, tint(for: job)))\(Self.padded(duration, to: 9))"
            lines += flags.isEmpty ? "\n" : "  \(TerminalText.neutralize(flags.joined(separator: "; ")))\n"
        }
        let overall = paint(result.status.rawValue, result.status == .success ? .green : .red)
        lines += "\(overall): logs in \(result.logDirectory)\n"
        write(lines)
    }

    /// `text` followed by spaces up to `width` characters (never cut). Foundation's `padding(toLength:)`
    /// goes through NSString, which showed in the summary of a 1,000-job run.
    static func padded(_ text: String, to width: Int) -> String {
        let count = text.count
        return count >= width ? text : text + String(repeating: " ", count: width - count)
    }

    // MARK: - Drawing

    private enum Tint: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case cyan = "36"
    }

    private func tint(for job: JobResult) -> Tint {
        switch job.status {
        case .success, .cached: .green
        case .skipped: .dim
        case .cancelled: .yellow
        default: job.continueOnError ? .yellow : .red
        }
    }

    /// Colours neutralised text: reasons and names come from pipeline files and step output.
    private func paint(_ text: String, _ tint: Tint) -> String {
        let safe = TerminalText.neutralize(text)
        return color ? "\u{1B}[\(tint.rawValue)m\(safe)\u{1B}[0m" : safe
    }

    private func prefix(_ job: String) -> String {
        let safe = TerminalText.neutralize(job)
        return color ? "\u{1B}[2m[\(safe)]\u{1B}[0m " : "[\(safe)] "
    }

    private func emit(_ text: String) {
        state.withLock { state in
            clearFooter(&state)
            state.buffer.append(contentsOf: Array(text.utf8))
            flush(&state)
        }
        redraw(force: true)
    }

    private func write(_ text: String) {
        state.withLock { state in
            clearFooter(&state)
            state.buffer.append(contentsOf: Array(text.utf8))
            flush(&state)
        }
    }

    private func tick() {
        if mode == .live {
            redraw(force: true)
        } else {
            state.withLock { state in
                if let heartbeat { beat(&state, every: heartbeat) }
                flush(&state)
            }
        }
    }

    /// Plain mode: a line for each running job that has been silent for `interval`.
    private func beat(_ state: inout State, every interval: Duration) {
        let now = ContinuousClock.now
        for (name, started) in state.running where now - (state.lastHeard[name] ?? started) >= interval {
            state.lastHeard[name] = now
            let line = "\(prefix(name))\(paint("… still running (\((now - started).humanShort))", .dim))\n"
            state.buffer.append(contentsOf: Array(line.utf8))
        }
    }

    private func clearFooter(_ state: inout State) {
        guard state.footerLines > 0 else { return }
        state.buffer.append(contentsOf: Array("\u{1B}[\(state.footerLines)A\r\u{1B}[J".utf8))
        state.footerLines = 0
    }

    private func redraw(force: Bool) {
        guard mode == .live else { return }
        state.withLock { state in
            let now = ContinuousClock.now
            guard force || now - state.lastDraw > .milliseconds(100) else { return }
            clearFooter(&state)
            state.lastDraw = now
            var footer = ""
            for (name, started) in state.running.prefix(20) {
                footer +=
                    "  \(paint("●", .cyan)) \(TerminalText.neutralize(name))  \(paint((now - started).humanShort, .dim))\n"
            }
            if state.running.count > 20 { footer += "  … \(state.running.count - 20) more running\n" }
            state.buffer.append(contentsOf: Array(footer.utf8))
            state.footerLines = min(state.running.count, 20) + (state.running.count > 20 ? 1 : 0)
            flush(&state)
        }
    }

    private func flush(_ state: inout State) {
        guard !state.buffer.isEmpty else { return }
        // A closed or full terminal loses output rather than stopping the run.
        _ = RawFile.writeAll(fd, state.buffer)
        state.buffer.removeAll(keepingCapacity: true)
    }
}
