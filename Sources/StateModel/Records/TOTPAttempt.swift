public import Foundation

/// Whether a TOTP code of a user may be checked now, decided and counted in one transaction.
public enum TOTPAttempt: Sendable, Hashable {
    /// Check the code; `last` when this is the final attempt before the lockout (which is now set,
    /// and lifted again by `resetTOTPFailures` when the code proves good).
    case allowed(last: Bool)
    /// Locked out until then: do not check the code.
    case locked(until: Date)

    /// Attempts in a row before a lockout.
    public static let limit = 5
    /// How long a lockout lasts (15 minutes).
    public static let lockout: TimeInterval = 900
}
