import Foundation
import Pipeline

/// What a GitHub workflow's steps expect from their runner, for a run of one on this machine: the
/// `github`, `runner`, `inputs`, `vars`, `strategy` and `job` expression contexts, and the `GITHUB_*`
/// and `RUNNER_*` variables (docs/compat.md). Empty for a `gantry.yml`.
struct GitHubRunnerContext: Sendable {
    var roots: [String: ExpressionValue] = [:]
    var variables: [String: String] = [:]

    /// Nothing: a `gantry.yml`'s run.
    init() {}

    init(environment: RunEnvironment) {
        let definition = environment.definition
        guard definition.format == .github else { return }
        let sha = environment.sha ?? ""
        let branch = environment.branch ?? ""
        let ref = branch.isEmpty ? "" : "refs/heads/\(branch)"
        // The event a local run stands for: a push when the workflow runs on pushes, else the first.
        let event =
            environment.options.githubEvent
            ?? (definition.workflowEvents.contains("push")
                ? "push" : definition.workflowEvents.first ?? "workflow_dispatch")
        let repository = environment.workspace.lastPathComponent
        let actor = environment.options.baseEnvironment["USER"] ?? "gantry"
        let workspace = environment.workspace.path
        let temp = environment.temporaryDirectory.path
        let architecture = Self.architecture
        roots["github"] = .object(
            strings: [
                ("sha", sha), ("ref", ref), ("ref_name", branch), ("ref_type", "branch"), ("event_name", event),
                ("workspace", workspace), ("run_id", environment.runID), ("run_number", "1"), ("run_attempt", "1"),
                ("actor", actor), ("triggering_actor", actor), ("repository", repository),
                ("repository_owner", ""), ("server_url", "https://github.com"), ("api_url", "https://api.github.com"),
                ("workflow", definition.name), ("head_ref", ""), ("base_ref", ""), ("action", ""), ("job", ""),
            ])
        if case .object(var github)? = roots["github"] {
            // The payload given (--event-file), with what a push's has filled in where it is silent.
            var payload: [String: ExpressionValue] = [:]
            if case .object(let given)? = environment.options.githubEventPayload { payload = given }
            payload["ref"] = payload["ref"] ?? .string(ref)
            payload["after"] = payload["after"] ?? .string(sha)
            payload["inputs"] =
                payload["inputs"] ?? .object(strings: definition.workflowInputs.sorted { $0.key < $1.key })
            github["event"] = .object(payload)
            roots["github"] = .object(github)
        }
        roots["runner"] = .object(
            strings: [
                ("os", "Linux"), ("arch", architecture), ("name", "gantry"), ("temp", temp),
                ("tool_cache", temp + "/tool-cache"), ("environment", "self-hosted"), ("debug", ""),
            ])
        roots["inputs"] = .object(strings: definition.workflowInputs.sorted { $0.key < $1.key })
        // Repository and organisation variables: --var and --var-file.
        roots["vars"] = .object(strings: environment.options.variables.sorted { $0.key < $1.key })
        roots["strategy"] = .object([
            "fail-fast": .bool(true), "job-index": .number(0), "job-total": .number(1),
            "max-parallel": .number(Double(environment.options.parallel)),
        ])
        roots["job"] = .object(["status": .string("success")])
        variables = [
            "GITHUB_ACTIONS": "true", "GITHUB_SHA": sha, "GITHUB_REF": ref, "GITHUB_REF_NAME": branch,
            "GITHUB_REF_TYPE": "branch", "GITHUB_EVENT_NAME": event, "GITHUB_WORKSPACE": workspace,
            "GITHUB_RUN_ID": environment.runID, "GITHUB_RUN_NUMBER": "1", "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": actor, "GITHUB_REPOSITORY": repository, "GITHUB_WORKFLOW": definition.name,
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_API_URL": "https://api.github.com",
            "RUNNER_OS": "Linux", "RUNNER_ARCH": architecture, "RUNNER_TEMP": temp,
            "RUNNER_TOOL_CACHE": temp + "/tool-cache", "RUNNER_NAME": "gantry",
        ]
    }

    /// `X64` or `ARM64`, as runners say it.
    static var architecture: String {
        #if arch(arm64)
            "ARM64"
        #else
            "X64"
        #endif
    }
}
