/// Who may promote to, approve for and roll back one environment through the server. A list names
/// users (the users of tokens); `*` allows anyone with the releaser role. An environment without
/// rules: any releaser may do all three. Approvals also follow the pipeline's `approvals:` rule
/// (roles, count, TOTP), checked by the release module against `gantry users`.
public struct EnvironmentPermissions: Sendable, Hashable {
    public var promote: [String]
    public var approve: [String]
    public var rollback: [String]

    public init(promote: [String] = ["*"], approve: [String] = ["*"], rollback: [String] = ["*"]) {
        self.promote = promote
        self.approve = approve
        self.rollback = rollback
    }

    /// The three release actions a token can be allowed.
    public enum Action: String, Sendable, CaseIterable {
        case promote, approve, rollback
    }

    /// Whether `user` may take `action`.
    public func allows(_ action: Action, user: String) -> Bool {
        let list =
            switch action {
            case .promote: promote
            case .approve: approve
            case .rollback: rollback
            }
        return list.contains("*") || list.contains(user)
    }
}
