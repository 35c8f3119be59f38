public import StateModel

/// Who a request acts as: the user and role of the token it carried.
public struct Principal: Sendable, Hashable {
    public var user: String
    public var role: ServerRole
    public var tokenID: String

    public init(user: String, role: ServerRole, tokenID: String) {
        self.user = user
        self.role = role
        self.tokenID = tokenID
    }
}
