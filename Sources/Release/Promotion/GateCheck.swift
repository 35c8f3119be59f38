/// One check of a promotion and how it went, printed as it runs and returned to the caller.
public struct GateCheck: Sendable, Hashable, Codable {
    public enum Result: String, Sendable, Hashable, Codable {
        case passed
        case failed
        /// Not decided yet (approvals still missing).
        case pending
    }

    public var name: String
    public var result: Result
    public var detail: String

    public init(_ name: String, _ result: Result, _ detail: String) {
        self.name = name
        self.result = result
        self.detail = detail
    }

    /// `✓ name: detail` (`✗` failed, `…` pending).
    public var line: String {
        let mark =
            switch result {
            case .passed: "✓"
            case .failed: "✗"
            case .pending: "…"
            }
        return "\(mark) \(name): \(detail)"
    }
}
