import Foundation
import GantryCore
import Hummingbird
import Pipeline
import Policy
import Release
import StateModel

/// `/api/v1/users` (admin): the users who approve promotions, as `gantry users` manages them (the
/// same rules: the first user is an admin; afterwards only an admin — the token's user, proving it
/// with a TOTP code when enrolled — adds users or changes roles). `/api/v1/waivers` (viewer): the
/// policy waivers in force, with their expiry.
struct AdministrationRoutes {
    let services: ServerServices

    struct UserItem: JSONWritable {
        var user: UserRecord
        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("created_at", user.createdAt)
                out.field("name", user.name)
                out.field("role", user.role)
                out.field("totp", user.totpSecret != nil)
                out.field("totp_locked_until", user.totpLockedUntil)
            }
        }
    }

    struct WaiverItem: JSONWritable {
        var waiver: Waiver
        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("app", waiver.app)
                out.field("approved_by", waiver.approvedBy)
                out.field("digest", waiver.digest)
                out.field("expired", waiver.expires <= Date())
                out.field("expires", waiver.expires)
                out.field("id", waiver.id)
                out.field("package", waiver.package)
                out.field("reason", waiver.reason)
            }
        }
    }

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/users") { _, context in
            _ = try context.require(.admin)
            return JSONResponse.encode(["users": try await services.state.users().map(UserItem.init)])
        }
        router.post("/api/v1/users") { request, context in
            let principal = try context.require(.admin)
            let body = try await RequestBody.object(
                request, limit: services.configuration.maxBodySize, allowed: ["name", "role", "totp"])
            let name = try body.string("name", required: true) ?? ""
            let role = try body.string("role", required: true) ?? ""
            guard ApprovalRule.knownRoles.contains(role) else {
                throw APIError.invalid(
                    "unknown role '\(role)' (expected \(ApprovalRule.knownRoles.joined(separator: ", ")))")
            }
            guard UserAdministration.isValidName(name)
            else { throw APIError.invalid("user name must be 1–64 letters, digits, '-', '_', '.' or '@'") }
            do {
                let administration = UserAdministration(
                    state: services.state, secrets: try TOTPSecretBox(stateDirectory: services.dataDirectory))
                let existed = try await administration.addUser(
                    name, role: role, actor: principal.user, totp: try body.string("totp"))
                return JSONResponse.encode(["name": name, "role": role, "change": existed ? "updated" : "added"])
            } catch let error as APIError {
                throw error
            } catch {
                throw ReleaseTasks.apiError(error, logger: context.logger)
            }
        }
        router.get("/api/v1/waivers") { _, context in
            _ = try context.require(.viewer)
            let path = services.dataDirectory.appendingPathComponent("waivers.yml").path
            guard FileManager.default.fileExists(atPath: path) else {
                return JSONResponse.encode(["waivers": [WaiverItem]()])
            }
            do {
                return JSONResponse.encode(["waivers": try WaiverSet.load(path: path).waivers.map(WaiverItem.init)])
            } catch {
                throw APIError(.internalServerError, "invalid_waivers", "waivers.yml cannot be read: \(error)")
            }
        }
    }
}
