import Foundation
import GantryCore
import StateModel

/// Checks a user's TOTP code: at most five attempts in a row (counted atomically, so concurrent guesses
/// get no more), then a 15-minute lockout; each accepted code is used once.
struct TOTPVerifier {
    let state: any StateRepositories
    let box: TOTPSecretBox

    /// Nil when `code` is `user`'s current, unused code; otherwise why it is refused, in words.
    func refusal(of code: String?, for user: UserRecord, at now: Date) async throws -> String? {
        guard let stored = user.totpSecret else {
            return "\(user.name) is not enrolled for TOTP ('gantry users totp-enroll \(user.name)')"
        }
        guard let secret = box.open(stored, user: user.name) else {
            return
                "\(user.name)'s TOTP secret cannot be decrypted with this state's key; an admin must enrol \(user.name) again"
        }
        guard let code = code?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
            return "a TOTP code of \(user.name) is needed: pass --totp CODE"
        }
        switch try await state.beginTOTPAttempt(for: user.name, at: now) {
        case .locked(let until):
            return "too many wrong TOTP codes for \(user.name); try again after \(Timestamp.iso8601(until))"
        case .allowed(let last):
            guard let step = TOTP(secret: secret).matchingStep(of: code, at: now) else {
                return last
                    ? "the TOTP code is wrong or expired; \(user.name) is locked out of TOTP until "
                        + Timestamp.iso8601(now.addingTimeInterval(TOTPAttempt.lockout))
                    : "the TOTP code is wrong or expired"
            }
            try await state.resetTOTPFailures(for: user.name)
            guard try await state.consumeTOTPStep(step, for: user.name) else {
                return "the TOTP code was already used; wait for the next one"
            }
            return nil
        }
    }
}
