import ArgumentParser
import Foundation
import GantryCore
import Server
import Store

/// `gantry tokens create|list|revoke`: the API tokens of `gantry serve`.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Manage the API tokens of gantry serve.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct DataOption: ParsableArguments {
        @Option(help: "The data directory gantry serve uses (default: GANTRY_HOME or .gantry).")
        var data: String?
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a token; it is printed once, alone on the last line.",
            discussion: "Only its SHA-256 is stored: a lost token cannot be shown again; revoke it and create another.")

        @Option(help: "Whom requests made with it act as (recorded in the audit log).")
        var user: String

        @Option(help: "viewer, developer, releaser or admin.")
        var role: String

        @Option(help: "Expire after this long (e.g. 30d, 12h); default: never.")
        var expires: String?

        @OptionGroup var data: DataOption

        @OptionGroup var remote: ServerOption

        func run() async throws {
            if let client = try remote.client() {
                var body: [String: Any] = ["user": user, "role": role]
                body["expires_in"] = expires
                let answer = try RemoteObject(try await client.post("/api/v1/tokens", body).object(), "token")
                let info = try RemoteObject(answer.fields["info"], "token")
                Terminal.printError(
                    "created \(try info.string("id")) for \(try info.string("user")) (\(try info.string("role")))"
                        + (info.optionalDate("expires_at").map { ", expires \(Timestamp.iso8601($0))" } ?? "")
                        + "; it is shown once:")
                print(try answer.string("token"))
                return
            }
            guard let role = ServerRole(rawValue: role) else {
                let names = ServerRole.allCases.map(\.rawValue)
                throw ValidationError(
                    "unknown role '\(role)' (expected \(names.joined(separator: ", ")))\(Suggestion.hint(for: role, in: names))"
                )
            }
            var expiresAt: Date?
            if let expires {
                do {
                    expiresAt = Date().addingTimeInterval(Double(try DurationParser.parse(expires).components.seconds))
                } catch {
                    throw ValidationError("--expires: \(error)")
                }
            }
            let issued = try APITokens.issue(user: user, role: role, expiresAt: expiresAt)
            let state = try StateLocation.services(data: data.data).repositories()
            try await state.addToken(issued.record)
            try await state.appendAudit(
                actor: AuditActor.current(), action: "tokens.create", subject: "token:\(issued.record.id)",
                details: ["user": user, "role": role.rawValue])
            Terminal.printError(
                "created \(issued.record.id) for \(user) (\(role))"
                    + (expiresAt.map { ", expires \(Timestamp.iso8601($0))" } ?? "")
                    + "; it is shown once:")
            print(issued.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List tokens (never their secrets).")

        @OptionGroup var data: DataOption

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var remote: ServerOption

        func run() async throws {
            let tokens: [APITokenRecord]
            if let client = try remote.client() {
                tokens = try RemoteObject(try await client.get("/api/v1/tokens").object(), "tokens").objects("tokens")
                    .map { token in
                        APITokenRecord(
                            id: try token.string("id"), user: try token.string("user"),
                            role: try token.status("role", as: ServerRole.self), hash: "",
                            createdAt: try token.date("created_at"),
                            expiresAt: token.optionalDate("expires_at"), revokedAt: token.optionalDate("revoked_at"),
                            lastUsedAt: token.optionalDate("last_used_at"))
                    }
            } else {
                tokens = try await StateLocation.services(data: data.data).existingRepositories().tokens()
            }
            if json {
                Terminal.printOut(
                    Terminal.json(
                        tokens.map { token -> [String: Any] in
                            var entry: [String: Any] = [
                                "id": token.id, "user": token.user, "role": token.role.rawValue,
                                "created_at": Timestamp.iso8601(token.createdAt), "active": token.isValid(at: Date()),
                            ]
                            if let expires = token.expiresAt { entry["expires_at"] = Timestamp.iso8601(expires) }
                            if let revoked = token.revokedAt { entry["revoked_at"] = Timestamp.iso8601(revoked) }
                            if let used = token.lastUsedAt { entry["last_used_at"] = Timestamp.iso8601(used) }
                            return entry
                        }))
                return
            }
            if tokens.isEmpty {
                print("no tokens (create one with: gantry tokens create --user NAME --role viewer)")
                return
            }
            for token in tokens {
                let state =
                    token.revokedAt != nil
                    ? "revoked" : token.isValid(at: Date()) ? "active" : "expired"
                let expiry = token.expiresAt.map { "expires \(Timestamp.iso8601($0))" } ?? "no expiry"
                print("\(token.id)  \(token.user)  \(token.role)  \(state)  \(expiry)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by id.")

        @Argument(help: "The token's id (tok_…, from 'gantry tokens list').")
        var id: String

        @OptionGroup var data: DataOption

        @OptionGroup var remote: ServerOption

        func run() async throws {
            if let client = try remote.client() {
                _ = try await client.delete("/api/v1/tokens/\(try RemotePath.segment(id))")
                print("revoked \(id)")
                return
            }
            let state = try StateLocation.services(data: data.data).existingRepositories()
            guard try await state.revokeToken(id: id, at: Date()) else {
                throw InputError("no active token '\(id)' (gantry tokens list shows them)")
            }
            try await state.appendAudit(
                actor: AuditActor.current(), action: "tokens.revoke", subject: "token:\(id)", details: [:])
            print("revoked \(id)")
        }
    }
}
