import Foundation
import GantryCore
import Hummingbird
import Release
import StateModel

/// Read-only views of the release state: projects, the environments board, promotions and the audit log.
struct StateRoutes {
    let services: ServerServices

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/projects") { _, context in
            _ = try context.require(.viewer)
            let projects = services.configuration.projects.map {
                ProjectSummary(
                    name: $0.name, repository: $0.displayRepository, pipeline: $0.pipeline,
                    webhooks: $0.webhookSecret != nil,
                    branches: $0.branches)
            }
            return JSONResponse.encode(["projects": projects])
        }
        router.get("/api/v1/environments") { request, context in
            _ = try context.require(.viewer)
            let rows = try await ReleaseStatus.rows(
                state: services.state, environments: services.configuration.environmentOrder,
                app: request.uri.queryParameters.get("app"))
            return JSONResponse.encode(["environments": rows.map(EnvironmentEntry.init)])
        }
        router.get("/api/v1/promotions") { request, context in
            _ = try context.require(.viewer)
            let parameters = request.uri.queryParameters
            let limit = try Self.limit(parameters.get("limit"))
            let records = try await services.state.promotions(
                app: parameters.get("app"), environment: parameters.get("environment"), limit: limit)
            return JSONResponse.encode(["promotions": records.map(PromotionSummary.init)])
        }
        router.get("/api/v1/promotions/{id}") { _, context in
            _ = try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard let record = try await services.state.promotion(id: id) else {
                throw APIError.notFound("no promotion '\(id)'")
            }
            return JSONResponse.encode(PromotionSummary(record))
        }
        router.get("/api/v1/audit") { request, context in
            _ = try context.require(.viewer)
            let parameters = request.uri.queryParameters
            let entries = try await services.state.auditEntries(
                subjectPrefix: parameters.get("subject"), limit: try Self.limit(parameters.get("limit")))
            return JSONResponse.encode(["entries": entries.map(AuditItem.init)])
        }
        router.get("/api/v1/audit/verify") { _, context in
            _ = try context.require(.viewer)
            let verification = try await services.state.verifyAudit()
            struct Body: JSONWritable {
                var verification: AuditVerification

                func writeJSON(to out: inout JSONWriter) {
                    out.object { out in
                        out.field("anchored_at", verification.anchoredAt)
                        out.field("count", verification.count)
                        out.field("head_hash", verification.headHash)
                        out.field("intact", verification.isIntact)
                        out.field("problems", verification.problems)
                    }
                }
            }
            return JSONResponse.encode(Body(verification: verification))
        }
    }

    static func limit(_ text: String?, default value: Int = 50) throws(APIError) -> Int {
        guard let text else { return value }
        guard let limit = Int(text), (1...500).contains(limit) else {
            throw APIError.invalid("limit must be a whole number from 1 to 500 (got '\(text)')")
        }
        return limit
    }
}
