import Artifacts
import Attestation
import Foundation
import GantryCore
import Hummingbird
import Release
import StateModel

/// `/api/v1/artifacts`: what was packed — tags, size, origin (commit, branch, tree, build time) — and,
/// for one artifact, its signature and seal checks, its SBOM's components and where it is deployed.
struct ArtifactRoutes {
    let services: ServerServices

    /// One artifact as a list shows it.
    struct Summary: JSONWritable {
        var artifact: StoredArtifact
        var origin: ArtifactOrigin

        func writeJSON(to out: inout JSONWriter) {
            out.object { out in fields(&out) }
        }

        func fields(_ out: inout JSONWriter) {
            out.field("app", artifact.app)
            out.field("branch", origin.branch)
            out.field("built_at", origin.builtAt)
            out.field("commit", origin.commit)
            out.field("digest", artifact.digest.description)
            out.field("size", origin.contentSize)
            out.field("tags", artifact.tags)
            out.field("tree", origin.treeState)
        }
    }

    /// One artifact in full.
    struct Detail: JSONWritable {
        var summary: Summary
        var checks: [Verifier.Check]
        var components: [CycloneDXBOM.Entry]
        var deployed: [EnvironmentPointer]
        var decisions: [PolicyDecisions.Decision]

        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                summary.fields(&out)
                out.field("checks", checks.map(CheckItem.init))
                out.field("components", components.map(ComponentItem.init))
                out.field("deployed", deployed.map(DeployedItem.init))
                out.field("policy", decisions.map(DecisionItem.init))
            }
        }
    }

    struct DecisionItem: JSONWritable {
        var decision: PolicyDecisions.Decision
        func writeJSON(to out: inout JSONWriter) {
            let report = decision.report
            out.object { out in
                out.field("decided_at", report.decidedAt)
                out.field("environment", report.environment)
                out.field("passed", report.passed)
                out.field("rules", report.rules.map(RuleItem.init))
                out.field("signed", decision.signed)
                out.field("waivers", report.waivers)
            }
        }
    }

    struct RuleItem: JSONWritable {
        var rule: PolicyEvaluator.Report.Rule
        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("detail", rule.detail)
                out.field("outcome", rule.outcome)
                out.field("rule", rule.rule)
            }
        }
    }

    struct CheckItem: JSONWritable {
        var check: Verifier.Check
        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("check", check.name)
                out.field("detail", check.detail)
                out.field("passed", check.passed)
            }
        }
    }

    struct ComponentItem: JSONWritable {
        var entry: CycloneDXBOM.Entry
        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("name", entry.name)
                out.field("purl", entry.purl)
                out.field("version", entry.version)
            }
        }
    }

    struct DeployedItem: JSONWritable {
        var pointer: EnvironmentPointer
        func writeJSON(to out: inout JSONWriter) {
            out.object { out in
                out.field("deployed_at", pointer.deployedAt)
                out.field("deployed_by", pointer.deployedBy)
                out.field("environment", pointer.environment)
            }
        }
    }

    func add(to router: Router<ServerRequestContext>) {
        router.get("/api/v1/artifacts") { request, context in
            _ = try context.require(.viewer)
            let app = request.uri.queryParameters.get("app").flatMap { $0.isEmpty ? nil : $0 }
            return JSONResponse.encode(["artifacts": try list(app: app)])
        }
        router.get("/api/v1/artifacts/{app}/{digest}") { _, context in
            _ = try context.require(.viewer)
            return JSONResponse.encode(
                try await detail(
                    app: try context.parameters.require("app"), digest: try context.parameters.require("digest")))
        }
    }

    /// Every stored artifact (of `app`), newest build first.
    func list(app: String?) throws -> [Summary] {
        guard let store = try? services.gantry.artifacts(create: false) else { return [] }
        return try store.list().filter { app == nil || $0.app == app }
            .map { Summary(artifact: $0, origin: ArtifactOrigin($0, store: store)) }
            .sorted { ($0.origin.builtAt ?? "", $0.artifact.app) > ($1.origin.builtAt ?? "", $1.artifact.app) }
    }

    /// `app@digest` with its checks, components and deployments (404 when it is not stored).
    func detail(app: String, digest: String) async throws -> Detail {
        guard let parsed = Digest(parsing: digest) else {
            throw APIError.invalid("'\(digest)' is not a digest (sha256: and 64 hex digits)")
        }
        guard let store = try? services.gantry.artifacts(create: false),
            let artifact = try? store.resolve(.digest(app: app, parsed))
        else { throw APIError.notFound("no artifact \(app)@\(digest)") }
        let keys = try services.gantry.trustedKeys(flags: [])
        let verifier = Verifier(store: store, keys: keys)
        let components = (try? verifier.sbom(of: artifact).components) ?? []
        let deployed = try await services.state.pointers(app: app).filter { $0.digest == artifact.digest }
        return Detail(
            summary: Summary(artifact: artifact, origin: ArtifactOrigin(artifact, store: store)),
            checks: verifier.verify(artifact, regenerateSBOM: false), components: components, deployed: deployed,
            decisions: PolicyDecisions.latest(of: artifact, in: store, keys: keys))
    }
}
