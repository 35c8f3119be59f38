/// How a job is retried after a failed attempt.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts after the first one (so `max: 2` allows three attempts in all).
    public var max: Int
    /// Delay before the first retry; doubled for each later retry.
    public var backoff: Duration = .seconds(1)
    /// Upper bound of the delay.
    public var maxBackoff: Duration = .seconds(60)
    /// Which outcomes are retried. Empty means `failure` and `timeout`.
    public var on: [RetryCondition] = []

    public init(max: Int) { self.max = max }

    /// Whether an attempt that ended this way should be retried.
    public func retries(_ outcome: AttemptOutcome) -> Bool {
        let conditions = on.isEmpty ? [.failure, .timeout] : on
        return conditions.contains { $0.matches(outcome) }
    }

    /// The delay before retry number `retry` (1-based): exponential, capped, with ±20 % jitter.
    public func delay(beforeRetry retry: Int, jitter: Double = Double.random(in: -0.2...0.2)) -> Duration {
        let base = Double(backoff.milliseconds) * pow2(retry - 1)
        let capped = min(base, Double(maxBackoff.milliseconds))
        let withJitter = Swift.max(0, capped * (1 + jitter))
        return .milliseconds(Int64(min(withJitter, Double(maxBackoff.milliseconds))))
    }

    private func pow2(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(n, 62) { result *= 2 }
        return result
    }
}

/// One `retry.on` entry.
public enum RetryCondition: Sendable, Hashable, CustomStringConvertible {
    /// Any non-zero exit.
    case failure
    /// The step hit its timeout.
    case timeout
    /// The step exited with this status.
    case exitCode(Int32)
    /// The step was killed by this signal (number).
    case signal(Int32)

    func matches(_ outcome: AttemptOutcome) -> Bool {
        switch (self, outcome) {
        case (.failure, .exited(let code)): code != 0
        case (.failure, .signaled): true
        case (.timeout, .timedOut): true
        case (.exitCode(let want), .exited(let code)): want == code
        case (.signal(let want), .signaled(let got)): want == got
        default: false
        }
    }

    public var description: String {
        switch self {
        case .failure: "failure"
        case .timeout: "timeout"
        case .exitCode(let code): "exit-code:\(code)"
        case .signal(let signal): "signal:\(SignalNames.name(of: signal) ?? String(signal))"
        }
    }
}

/// How a failed attempt ended, as far as retry decisions go.
public enum AttemptOutcome: Sendable, Hashable {
    case exited(Int32)
    case signaled(Int32)
    case timedOut
}

/// POSIX signal names for `retry.on: signal:<name>`.
public enum SignalNames {
    static let table: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7), ("FPE", 8),
        ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14), ("TERM", 15),
    ]

    /// The signal number for `TERM`, `SIGTERM`, `sigkill`, or a number.
    public static func number(of name: String) -> Int32? {
        if let value = Int32(name), value > 0, value < 65 { return value }
        var upper = name.uppercased()
        if upper.hasPrefix("SIG") { upper.removeFirst(3) }
        return table.first { $0.0 == upper }?.1
    }

    /// `SIGTERM` for 15.
    public static func name(of number: Int32) -> String? {
        table.first { $0.1 == number }.map { "SIG" + $0.0 }
    }
}
