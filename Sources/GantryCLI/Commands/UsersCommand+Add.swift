import ArgumentParser
import Foundation
import GantryCore
import Pipeline
import Release
import Store

extension UsersCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a user, or change an existing user's role.",
            discussion: """
                The first user must be an admin. Once an admin exists, only an admin adds users or changes \
                roles (--as NAME), proving it with a TOTP code (--totp) when enrolled.
                """)

        @Argument(help: "The user's name (what --as and GANTRY_ACTOR use).")
        var name: String

        @Option(help: "viewer, developer, releaser or admin.")
        var role: String

        @Option(name: .customLong("as"), help: "Act as this admin (default: GANTRY_ACTOR or $USER).")
        var actor: String?

        @Option(help: "The acting admin's current TOTP code, when they are enrolled.")
        var totp: String?

        func validate() throws {
            guard ApprovalRule.knownRoles.contains(role) else {
                throw ValidationError(
                    "unknown role '\(role)' (expected \(ApprovalRule.knownRoles.joined(separator: ", ")))\(Suggestion.hint(for: role, in: ApprovalRule.knownRoles))"
                )
            }
            guard UserAdministration.isValidName(name) else {
                throw ValidationError("user name '\(name)' must be 1–64 letters, digits, '-', '_', '.' or '@'")
            }
        }

        @OptionGroup var remote: ServerOption

        func run() async throws {
            if let client = try remote.client() {
                guard actor == nil else {
                    throw InputError("with --server the acting admin is the token's user: leave out --as")
                }
                var body: [String: Any] = ["name": name, "role": role]
                body["totp"] = totp
                let answer = try RemoteObject(try await client.post("/api/v1/users", body).object(), "user")
                print("\(try answer.string("change")) \(name) (\(role))")
                return
            }
            let administration = UserAdministration(
                state: try StateLocation.repositories(),
                secrets: try TOTPSecretBox(stateDirectory: StateLocation.directory))
            let existed = try await administration.addUser(
                name, role: role, actor: actor ?? AuditActor.current(), totp: totp)
            print("\(existed ? "updated" : "added") \(name) (\(role))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List users and their roles.")

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var remote: ServerOption

        func run() async throws {
            let users: [UserRecord]
            if let client = try remote.client() {
                users = try RemoteObject(try await client.get("/api/v1/users").object(), "users").objects("users").map {
                    var user = UserRecord(
                        name: try $0.string("name"), role: try $0.string("role"), createdAt: try $0.date("created_at"))
                    // Only whether TOTP is enrolled crosses the API, never the secret.
                    if ($0.fields["totp"] as? Bool) == true { user.totpSecret = "enrolled" }
                    return user
                }
            } else {
                users = try await StateLocation.existingRepositories().users()
            }
            if json {
                Terminal.printOut(
                    Terminal.json(
                        users.map {
                            ["name": $0.name, "role": $0.role, "totp": $0.isTOTPEnrolled] as [String: Any]
                        }))
                return
            }
            var table = TextTable(["NAME", "ROLE", "TOTP"])
            for user in users { table.add([user.name, user.role, user.isTOTPEnrolled ? "enrolled" : "-"]) }
            print(users.isEmpty ? "no users (gantry users add NAME --role releaser)" : table.rendered)
        }
    }
}
