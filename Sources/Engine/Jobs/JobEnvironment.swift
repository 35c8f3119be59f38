import Foundation
import GantryCore
import Pipeline
import Processes

/// Everything a job needs from its run: shared services and the run's identity.
struct RunEnvironment: Sendable {
    var definition: PipelineDefinition
    var runID: String
    var correlation: String
    var sha: String?
    var branch: String?
    var workspace: URL
    var stateDirectory: URL
    var logDirectory: URL
    var temporaryDirectory: URL
    var options: RunOptions
    var masker: SecretMasker
    var runner: ProcessRunner
    var snapshots: SnapshotStore
    var actions: ActionRegistry
    /// Runs the jobs' steps (this process's `LocalJobExecutor`).
    var executor: any JobExecutor
    var cancellation: CancellationFlag
    var observer: any RunObserver
    /// When the run started (provenance records it).
    var startedAt = Date()
    /// Input file digests for build avoidance, reused across runs.
    var fileDigests: FileDigestCache
    /// The cache and avoidance entries this run used.
    var cacheUsage = CacheUsage()
    /// Tool versions and the signing key, part of every avoidance key.
    var toolchain: AvoidanceKey.Toolchain
    /// The working tree's uncommitted changes when the run started (nil outside git).
    var uncommittedChanges: [String]?

    /// A GitHub workflow's contexts and variables (empty for a `gantry.yml`), built once per run
    /// (`PipelineRunner` sets it once the rest is known).
    var github = GitHubRunnerContext()

    /// The `run` expression context.
    var runContext: ExpressionValue {
        .object([
            "id": .string(runID), "correlation": .string(correlation), "sha": .string(sha ?? ""),
            "branch": .string(branch ?? ""),
        ])
    }

}
