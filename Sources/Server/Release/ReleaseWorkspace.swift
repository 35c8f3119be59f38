import Artifacts
import Attestation
import Foundation
import GantryCore
import Hummingbird
import Logging
import Pipeline
import Policy
import Processes
import Release
import StateModel

/// Where a release operation of the server runs: the project's pipeline at the artifact's commit —
/// the environments and deploy commands that were reviewed with the code that was built — checked out
/// into a worktree of its own, and a release context on the server's services acting as the caller.
struct ReleaseWorkspace: Sendable {
    let services: ServerServices
    let logger: Logger

    /// An opened workspace: the context to promote with, and the worktree to remove afterwards.
    struct Opened: Sendable {
        let context: ReleaseContext
        let checkout: GitCheckout
        let directory: URL

        func close() async { await checkout.remove(directory) }
    }

    /// The project `name` names, or the server's only project.
    func project(_ name: String?) throws(APIError) -> ProjectConfiguration {
        try services.configuration.resolveProject(name) { count in
            APIError.invalid("this server has \(count) projects: say which with \"project\"")
        }
    }

    /// The commit `reference` (sha256:…, APP@sha256:…, APP:TAG) was built from, per its signed provenance.
    func commit(of reference: String, app: String) throws(APIError) -> String {
        do {
            let parsed: ArtifactReference =
                if let digest = Digest(parsing: reference) { .digest(app: app, digest) } else {
                    try ArtifactReference(parsing: reference)
                }
            let artifacts = try services.gantry.artifacts(create: false)
            let artifact = try artifacts.resolve(parsed)
            let verifier = Verifier(store: artifacts, keys: try services.gantry.trustedKeys(flags: []))
            guard let commit = try verifier.provenance(of: artifact).commit, WebhookEvent.commitID(commit) != nil
            else {
                throw APIError.invalid("\(reference) has no commit in its provenance: promote it with the CLI")
            }
            return commit
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalid("cannot read \(reference): \(error)")
        }
    }

    /// Checks out `project` at `commit` and builds a context acting as `actor`.
    func open(project: ProjectConfiguration, commit: String, actor: String, cancellation: CancellationFlag)
        async throws -> Opened
    {
        let checkout = GitCheckout(project: project, dataDirectory: services.dataDirectory, cancellation: cancellation)
        let directory = services.dataDirectory.appendingPathComponent("worktrees/release-\(QueueIDs.make())")
        try await checkout.checkout(commit: commit, into: directory)
        do {
            let pipeline = try PipelineParser.load(path: directory.appendingPathComponent(project.pipeline).path)
            let waivers = services.dataDirectory.appendingPathComponent("waivers.yml").path
            let logger = logger
            let context = try services.gantry.releaseContext(
                pipeline: pipeline, workingDirectory: directory, actor: actor,
                keys: try services.gantry.trustedKeys(flags: []),
                waivers: FileManager.default.fileExists(atPath: waivers)
                    ? try WaiverSet.load(path: waivers) : WaiverSet(),
                reporter: ReleaseReporter(
                    line: { logger.info("\($0)") }, commandOutput: { _, _ in }),
                cancellation: cancellation, secrets: services.configuration.runSecrets)
            return Opened(context: context, checkout: checkout, directory: directory)
        } catch {
            await checkout.remove(directory)
            throw error
        }
    }

    /// The workspace at the commit `record`'s artifact was built from, in whichever project has it.
    func open(for record: PromotionRecord, actor: String) async throws -> Opened {
        guard let commit = record.commit else {
            throw APIError.invalid("promotion \(record.id) has no commit: use the CLI for it")
        }
        var lastError: (any Error)?
        for project in services.configuration.projects {
            do {
                return try await open(project: project, commit: commit, actor: actor, cancellation: CancellationFlag())
            } catch {
                lastError = error
            }
        }
        throw APIError.invalid("no project has commit \(commit): \(lastError.map { "\($0)" } ?? "no projects")")
    }

    /// Refuses (403) unless `user` may take `action` in `environment`.
    func allow(_ action: EnvironmentPermissions.Action, user: String, environment: String) throws(APIError) {
        guard services.configuration.permissions(for: environment).allows(action, user: user) else {
            throw APIError(
                .forbidden, "forbidden",
                "\(user) may not \(action.rawValue) in \(environment) (see environments: in the server configuration)")
        }
    }

    /// Starts `user`'s approval of `record` (TOTP `totp` when the environment asks for one).
    func approve(_ record: PromotionRecord, user: String, totp: String?) async throws -> Response {
        try allow(.approve, user: user, environment: record.environment)
        let opened = try await open(for: record, actor: user)
        let id = record.id
        return try await services.releases.start(
            id: id, existing: record.status, workspace: opened, state: services.state, logger: logger
        ) {
            try await $0.approve(promotionID: id, as: user, totpCode: totp)
        }
    }
}
