public import Foundation
import GantryCore
public import StateModel

/// Who may change users and TOTP enrolments, checked and audited in one place.
///
/// - The first user must be an admin. Once an admin exists, only an admin adds users or changes roles.
/// - `totp-enroll X` is done by X, or by an admin. Replacing an existing enrolment needs proof: X's
///   current code when X does it, or, when an admin does it for X, the admin's own code (so the admin
///   must be enrolled). Enrolling never lifts a lockout.
/// - An admin who is enrolled proves each of these actions with a current code.
///
/// The acting name comes from `--as` / `GANTRY_ACTOR`; on a shared machine that claim is only as
/// strong as the TOTP codes behind it, which is why changing someone else's enrolment needs a code.
public struct UserAdministration: Sendable {
    public let state: any StateRepositories
    public let secrets: TOTPSecretBox

    public init(state: any StateRepositories, secrets: TOTPSecretBox) {
        self.state = state
        self.secrets = secrets
    }

    /// Whether `name` can name a user: 1–64 letters, digits, `-`, `_`, `.` or `@` (the CLI and the
    /// server's API check the same rule).
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.@".unicodeScalars.contains($0)
            }
    }

    /// Adds `name` with `role`, or changes its role. Returns true when the user existed.
    /// - Throws: `ReleaseError.approvalRefused` when `actor` may not do it (audited), `.input` for a
    ///   first user who is not an admin.
    @discardableResult
    public func addUser(_ name: String, role: String, actor: String, totp: String?, at now: Date = Date()) async throws
        -> Bool
    {
        let users = try await state.users()
        let existed = users.contains { $0.name == name }
        if users.isEmpty && role != "admin" {
            throw ReleaseError.input(
                "the first user must be an admin, who then adds the others: gantry users add \(actor) --role admin")
        }
        if users.contains(where: { $0.role == "admin" }) {
            try await requireAdmin(
                actor, totp: totp, action: existed ? "users.role" : "users.add", subject: name, at: now)
        }
        try await state.upsertUser(name: name, role: role, at: now)
        _ = try await state.appendAudit(
            actor: actor, action: existed ? "users.role" : "users.add", subject: "user:\(name)",
            details: ["role": role])
        return existed
    }

    /// Creates a new TOTP secret for `name` and returns it (print its URI once; it is stored sealed).
    /// - Throws: `ReleaseError.approvalRefused` when `actor` may not do it (audited), `.input` for an
    ///   unknown user.
    public func enrollTOTP(_ name: String, actor: String, totp: String?, at now: Date = Date()) async throws -> TOTP {
        guard let user = try await state.user(name) else {
            throw ReleaseError.input("no user named '\(name)' (add it with 'gantry users add \(name) --role releaser')")
        }
        if actor == name {
            if user.isTOTPEnrolled {
                // Replacing your own secret: prove you hold the current one.
                if let refusal = try await TOTPVerifier(state: state, box: secrets).refusal(
                    of: totp, for: user, at: now)
                {
                    throw try await refuse(
                        "\(name) is already enrolled; re-enrolling needs \(name)'s current code: \(refusal)",
                        actor: actor, action: "users.totp-enroll", subject: name)
                }
            }
        } else {
            try await requireAdmin(
                actor, totp: totp, action: "users.totp-enroll", subject: name, at: now,
                mustBeEnrolled: user.isTOTPEnrolled)
        }
        let totpSecret = TOTP(secret: TOTP.newSecret())
        try await state.setTOTPSecret(try secrets.seal(totpSecret.secret, user: name), for: name)
        _ = try await state.appendAudit(
            actor: actor, action: "users.totp-enroll", subject: "user:\(name)",
            details: ["replaced": user.isTOTPEnrolled ? "yes" : "no"])
        return totpSecret
    }

    /// Refuses unless `actor` is an admin, who proves it with a TOTP code when enrolled (and must be
    /// enrolled when `mustBeEnrolled`).
    private func requireAdmin(
        _ actor: String, totp: String?, action: String, subject: String, at now: Date, mustBeEnrolled: Bool = false
    ) async throws {
        guard let admin = try await state.user(actor), admin.role == "admin" else {
            throw try await refuse(
                "only an admin may do this, and '\(actor)' is not one (act as an admin with --as NAME)",
                actor: actor, action: action, subject: subject)
        }
        if mustBeEnrolled && !admin.isTOTPEnrolled {
            throw try await refuse(
                "\(subject) is already enrolled: replacing it needs an admin enrolled for TOTP, and \(actor) is not",
                actor: actor, action: action, subject: subject)
        }
        guard admin.isTOTPEnrolled else { return }
        if let refusal = try await TOTPVerifier(state: state, box: secrets).refusal(of: totp, for: admin, at: now) {
            throw try await refuse(
                "\(actor) must prove it is them: \(refusal)", actor: actor, action: action, subject: subject)
        }
    }

    private func refuse(_ message: String, actor: String, action: String, subject: String) async throws -> ReleaseError
    {
        _ = try await state.appendAudit(
            actor: actor, action: "\(action).refused", subject: "user:\(subject)", details: ["reason": message])
        return ReleaseError.approvalRefused(message)
    }
}
