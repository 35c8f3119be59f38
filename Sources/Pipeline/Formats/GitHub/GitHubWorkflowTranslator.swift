import Foundation
import GantryCore
import Yams

/// Reads a GitHub Actions workflow into the shape of a `gantry.yml`, node by node, so that the native
/// parser and validator check it and every diagnostic points at the workflow's own line and column.
/// Keys with a Gantry equivalent are renamed (`timeout-minutes` → `timeout`, `strategy.matrix` →
/// `matrix`, `strategy.fail-fast` → `fail-fast`, `defaults.run` → `defaults`, push and pull_request
/// path filters → each job's `paths`); keys that change nothing on one machine are accepted and
/// dropped (`permissions`, `concurrency`, `run-name`); a job's `environment` is protected by the Gantry
/// environment of that name (`EnvironmentProtection`); local and vendored actions
/// and reusable workflows are inlined (`+Actions`, `+Call`); what cannot run here (containers, macOS and Windows
/// runners, actions and reusable workflows that are neither in the repository nor vendored) is
/// recorded as unsupported and replaced by a step that says so. docs/compat.md lists every key.
struct GitHubWorkflowTranslator {
    /// The workflow (a called reusable workflow's file is registered in it, for its own marks).
    var document: YAMLDocument
    var diagnostics: [Diagnostic] = []
    private(set) var unsupported: [UnsupportedConstruct] = []
    /// `workflow_dispatch` and `workflow_call` inputs with their defaults (the `inputs` context).
    private(set) var inputs: [String: String] = [:]
    /// The events the workflow runs on.
    private(set) var events: [String] = []
    /// What the workflow runs for (its branch, tag, event): its branch and tag filters are checked
    /// against it; nil (or no branch nor tag) leaves them unchecked.
    var trigger: PipelineTrigger?
    /// Why the workflow does not run for `trigger` (`on.push.branches` does not match), if it does not.
    private(set) var filteredOut: String?
    /// Whether the workflow filters branches or tags (its trigger matters).
    private(set) var filtersRefs = false
    /// Runner labels given by expressions, by job id: judged per matrix combination after parsing.
    private(set) var runnerLabels: [String: [GitHubRunnerLabels.Label]] = [:]
    /// Each event's settings (`on.push: {branches: …}`).
    private var eventBodies: [String: Node] = [:]
    /// Local reusable workflows being inlined (to refuse a cycle), how many calls were inlined, and
    /// each called file once read.
    var callStack: [String] = []
    var workflowCalls = 0
    var calledJobCount = 0
    /// Steps composite actions added so far.
    var actionSteps = 0
    var calledWorkflows: [String: Node] = [:]
    /// Where the workflow's repository is (local actions and workflows are read from it), nil for
    /// text without a file.
    var repositoryRoot: URL?
    /// The folder of vendored actions (`GANTRY_ACTIONS`): `<owner>/<repo>@<ref>/`.
    var actionsDirectory: URL?
    /// Actions being inlined, to refuse a cycle.
    var inlining: [String] = []
    /// Problems that do not stop the workflow (an action not pinned to a commit).
    var warnings: [Diagnostic] = []
    /// `job#position` of the cache steps that became their job's `cache:`.
    var mappedCacheSteps: Set<String> = []
    /// The post: steps of the job's JavaScript actions, run after its other steps.
    var postSteps: [Node] = []

    static let topKeys = ["name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"]
    static let jobKeys = [
        "name", "needs", "if", "env", "runs-on", "strategy", "timeout-minutes", "continue-on-error", "outputs",
        "environment", "services", "container", "steps", "permissions", "concurrency", "defaults", "uses", "with",
        "secrets",
    ]
    static let stepKeys = [
        "id", "name", "uses", "run", "shell", "env", "if", "with", "working-directory", "continue-on-error",
        "timeout-minutes",
    ]

    init(document: YAMLDocument) { self.document = document }

    /// The workflow as a `gantry.yml` node tree (nil or a non-mapping root is left to the parser).
    mutating func translate() -> Node? {
        guard let root = document.root, case .mapping(let top) = root else { return document.root }
        var out: [(Node, Node)] = []
        var filters: [(String, Node, Node)] = []
        var jobsNode: (Node, Node)?
        // GitHub's default job timeout: six hours.
        var defaults = [(NodeBuilder.key("timeout", at: root), NodeBuilder.scalar("360m", at: root))]
        for (keyNode, value) in top {
            guard let key = keyNode.string else {
                error(keyNode, "keys in the workflow must be strings")
                continue
            }
            switch key {
            case "name", "env": out.append((keyNode, value))
            case "on":
                filters = triggers(value)
                filteredOut = Self.refFilterProblem(events: events, bodies: eventBodies, trigger: trigger)
                filtersRefs = Self.hasRefFilters(eventBodies)
            case "defaults":
                defaults += runDefaults(value, context: "defaults") ?? []
            case "jobs": jobsNode = (keyNode, value)
            case "run-name", "permissions", "concurrency": break
            default:
                error(
                    keyNode,
                    "unknown key '\(key)' in the workflow\(Suggestion.hint(for: key, in: Self.topKeys))")
            }
        }
        out.append((NodeBuilder.key("defaults", at: root), NodeBuilder.mapping(defaults, at: root)))
        if let (keyNode, value) = jobsNode { out.append((keyNode, jobs(value, filters: filters))) }
        return NodeBuilder.mapping(out, at: root)
    }

    // MARK: Triggers

    /// Records the events and inputs; returns the push and pull_request path filters (each job gets
    /// them: a change outside them runs nothing, as the workflow would not start).
    private mutating func triggers(_ node: Node) -> [(String, Node, Node)] {
        switch node {
        case .scalar(let scalar):
            events = [scalar.string]
        case .sequence(let sequence):
            events = sequence.compactMap(\.string)
        case .mapping(let mapping):
            var filters: [(String, Node, Node)] = []
            for (keyNode, value) in mapping {
                guard let event = keyNode.string else { continue }
                events.append(event)
                eventBodies[event] = value
                guard case .mapping(let body) = value else { continue }
                if ["workflow_dispatch", "workflow_call"].contains(event), case .mapping(let declared)? = body["inputs"]
                {
                    for (name, spec) in declared {
                        guard let name = name.string else { continue }
                        inputs[name] = spec["default"]?.string ?? ""
                    }
                }
                // One event's filters are enough: a push and a pull request touch the same files.
                if filters.isEmpty, ["push", "pull_request", "pull_request_target"].contains(event) {
                    for (filterKey, filterValue) in body {
                        guard let name = filterKey.string, ["paths", "paths-ignore"].contains(name) else { continue }
                        filters.append((name, filterKey, filterValue))
                    }
                }
            }
            return filters
        default:
            error(node, "'on' must name events: a string, a list or a mapping")
        }
        return []
    }

    // MARK: Jobs

    /// The `actions/upload-artifact` steps of the workflow: artifact name → the path it uploads.
    var uploads: [String: String] = [:]

    private mutating func jobs(_ node: Node, filters: [(String, Node, Node)]) -> Node {
        guard case .mapping(let jobs) = node else { return node }
        recordUploads(of: jobs)
        var out: [(Node, Node)] = []
        for (idNode, body) in jobs {
            guard let id = idNode.string else {
                out.append((idNode, body))
                continue
            }
            out += jobEntries(idNode, id: id, body: body, filters: filters)
        }
        return NodeBuilder.mapping(out, at: node)
    }

    /// The `actions/upload-artifact` steps of `jobs`, for the download steps of any job.
    mutating func recordUploads(of jobs: Node.Mapping) {
        for (_, job) in jobs {
            for step in job["steps"]?.sequence ?? []
            where Self.actionName(step["uses"]?.string) == "actions/upload-artifact" {
                uploads[step["with"]?["name"]?.string ?? "artifact"] = step["with"]?["path"]?.string ?? ""
            }
        }
    }

    /// A job as the jobs it becomes: itself, or the jobs of the reusable workflow it calls.
    mutating func jobEntries(_ idNode: Node, id: String, body: Node, filters: [(String, Node, Node)]) -> [(Node, Node)]
    {
        if let called = workflowCall(idNode, id: id, body: body, filters: filters) { return called }
        return [(idNode, job(id, body, filters: filters))]
    }

    mutating func job(_ id: String, _ node: Node, filters: [(String, Node, Node)]) -> Node {
        guard case .mapping(let body) = node else { return node }
        var out: [(Node, Node)] = []
        var defaultShell: Node?
        if let defaults = body["defaults"], let translated = runDefaults(defaults, context: "jobs.\(id).defaults") {
            for (key, value) in translated {
                if key.string == "shell" { defaultShell = value } else { out.append((key, value)) }
            }
        }
        for (keyNode, value) in body {
            guard let key = keyNode.string else { continue }
            switch key {
            case "name", "needs", "if", "env", "outputs", "continue-on-error", "environment":
                out.append((keyNode, value))
            case "runs-on":
                runsOn(value, job: id)
            case "strategy":
                if let matrix = strategy(value, job: id) {
                    out.append((NodeBuilder.key("matrix", at: keyNode), matrix))
                    out += Self.matrixLimits(value)
                }
            case "timeout-minutes":
                if let timeout = minutes(value, "jobs.\(id).timeout-minutes") {
                    out.append((NodeBuilder.key("timeout", at: keyNode), timeout))
                }
            case "services", "container":
                unsupported(
                    value, job: id, step: nil,
                    "jobs.\(id).\(key) needs a container engine, which Gantry does not use")
            case "uses":
                unsupported(
                    value, job: id, step: nil,
                    (value.string ?? "").hasPrefix("./")
                        ? "jobs.\(id) calls the reusable workflow '\(value.string ?? "")', which cannot be read without "
                            + "the workflow's repository"
                        : "jobs.\(id) calls the reusable workflow '\(value.string ?? "")', which cannot be fetched here "
                            + "(vendor it into GANTRY_ACTIONS as <owner>/<repo>@<ref>/)")
            case "steps":
                if let (cache, position) = Self.cacheStep(in: value) {
                    out.append((NodeBuilder.key("cache", at: keyNode), cache))
                    mappedCacheSteps.insert("\(id)#\(position)")
                }
                out.append((keyNode, steps(value, job: id, defaultShell: defaultShell)))
            case "permissions", "concurrency", "defaults", "with", "secrets": break
            default:
                error(keyNode, "unknown key '\(key)' in job '\(id)'\(Suggestion.hint(for: key, in: Self.jobKeys))")
            }
        }
        if body["steps"] == nil, body["uses"] != nil {
            // A reusable-workflow call has no steps; one placeholder keeps the job valid.
            let placeholder = NodeBuilder.mapping(
                [(NodeBuilder.key("run", at: node), NodeBuilder.scalar("exit 1", at: node))], at: node)
            out.append((NodeBuilder.key("steps", at: node), NodeBuilder.sequence([placeholder], at: node)))
        }
        if !out.contains(where: { $0.0.string == "paths" || $0.0.string == "paths-ignore" }) {
            for (name, keyNode, value) in filters { out.append((NodeBuilder.key(name, at: keyNode), value)) }
        }
        if let artifacts = keptArtifacts(body["steps"]) {
            out.append((NodeBuilder.key("artifacts", at: node), artifacts))
        }
        return NodeBuilder.mapping(out, at: node)
    }

    /// The job's first `actions/upload-artifact` as Gantry's job `artifacts:` (kept with the run,
    /// `gantry runs download`), kept whatever the job's result as `if-no-files-found` allows.
    private func keptArtifacts(_ steps: Node?) -> Node? {
        guard
            let step = steps?.sequence?.first(where: {
                Self.actionName($0["uses"]?.string) == "actions/upload-artifact"
            }), let uses = step["uses"], let path = step["with"]?["path"]?.string, !path.contains("${{")
        else { return nil }
        let name = step["with"]?["name"]?.string ?? "artifact"
        // A folder (`dist/`) is everything under it.
        func glob(_ path: String) -> String { path.hasSuffix("/") ? path + "**" : path }
        let patterns = Self.pathLines(path).map(glob)
        guard !patterns.isEmpty, !name.contains("${{"), !name.contains("/") else { return nil }
        // `!path` lines leave files out, as upload-artifact does.
        let exclusions = Self.excludedPathLines(path).map(glob)
        var pairs: [(Node, Node)] = [
            (NodeBuilder.key("name", at: uses), NodeBuilder.scalar(name, at: uses)),
            (
                NodeBuilder.key("paths", at: uses),
                NodeBuilder.sequence(patterns.map { NodeBuilder.scalar($0, at: uses) }, at: uses)
            ),
            (NodeBuilder.key("when", at: uses), NodeBuilder.scalar("always", at: uses)),
        ]
        if !exclusions.isEmpty {
            pairs.append(
                (
                    NodeBuilder.key("exclude", at: uses),
                    NodeBuilder.sequence(exclusions.map { NodeBuilder.scalar($0, at: uses) }, at: uses)
                ))
        }
        return NodeBuilder.mapping(pairs, at: uses)
    }

    /// The paths of an artifact action's `path:`, one per line (exclusions `!…` left out).
    static func pathLines(_ text: String) -> [String] {
        entryLines(text).filter { !$0.hasPrefix("!") }
    }

    /// The exclusions (`!path` lines) of an artifact action's `path:`, without their `!`.
    static func excludedPathLines(_ text: String) -> [String] {
        entryLines(text).filter { $0.hasPrefix("!") && $0.count > 1 }.map { String($0.dropFirst()) }
    }

    /// The non-empty lines of a multi-line action input, trimmed.
    private static func entryLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `owner/repo[/path]` of a `uses:` reference, lowercased, without its `@ref`.
    static func actionName(_ reference: String?) -> String? {
        reference?.split(separator: "@", maxSplits: 1).first.map { $0.lowercased() }
    }

    /// A local run is a Linux machine: `ubuntu-*`, `linux`, `self-hosted` and custom labels are
    /// satisfied; `macos-*` and `windows-*` are not.
    private mutating func runsOn(_ node: Node, job: String) {
        var labels: [Node] = []
        switch node {
        case .scalar: labels = [node]
        case .sequence(let sequence): labels = Array(sequence)
        case .mapping(let mapping):
            if let value = mapping["labels"] { labels = value.sequence.map(Array.init) ?? [value] }
        default: break
        }
        for label in labels {
            guard let text = label.string else { continue }
            if Template.containsExpression(text) {
                // Known per matrix combination once the matrix is read (`runs-on: ${{ matrix.os }}`).
                runnerLabels[job, default: []].append(
                    GitHubRunnerLabels.Label(text: text, location: document.location(label)))
            } else if GitHubRunnerLabels.isOtherSystem(text) {
                unsupported(label, job: job, step: nil, "jobs.\(job) runs on '\(text)', and this machine is Linux")
            }
        }
    }

    /// `strategy.matrix` as Gantry's `matrix:` (its `fail-fast` and `max-parallel`: `matrixLimits`).
    mutating func strategy(_ node: Node, job: String) -> Node? {
        guard case .mapping(let strategy) = node else {
            error(node, "jobs.\(job).strategy must be a mapping")
            return nil
        }
        for (keyNode, _) in strategy {
            guard let key = keyNode.string, !["matrix", "fail-fast", "max-parallel"].contains(key) else { continue }
            error(keyNode, "unknown key '\(key)' in jobs.\(job).strategy (expected matrix, fail-fast, max-parallel)")
        }
        // A matrix computed from expressions (`${{ fromJSON(needs.setup.outputs.matrix) }}`) is
        // expanded when the job's needs have finished, as on GitHub.
        return strategy["matrix"]
    }

    /// `fail-fast` (on unless it says `false`, as on GitHub; one given by an expression is taken as
    /// off, so that no job is cancelled on a guess) and a literal `max-parallel`, as native keys.
    static func matrixLimits(_ strategy: Node) -> [(Node, Node)] {
        var out: [(Node, Node)] = []
        let at = strategy["fail-fast"] ?? strategy
        let on: Bool
        switch strategy["fail-fast"]?.string {
        case nil: on = true
        case let text? where Template.containsExpression(text): on = false
        case let text?: on = text.lowercased() != "false"
        }
        out.append((NodeBuilder.key("fail-fast", at: at), NodeBuilder.scalar(on ? "true" : "false", at: at)))
        if let limit = strategy["max-parallel"], let count = limit.string.flatMap(Int.init), count >= 1 {
            out.append((NodeBuilder.key("max-parallel", at: limit), NodeBuilder.scalar(String(count), at: limit)))
        }
        return out
    }

    /// The `matrix.<name>` a job's expressions read.
    static func matrixKeys(in node: Node) -> Set<String> { names(after: "matrix.", in: node) }

    /// The names that follow `prefix` (`matrix.`, `needs.build.outputs.`) anywhere in `node`'s text.
    static func names(after prefix: String, in node: Node?) -> Set<String> {
        var names: Set<String> = []
        func visit(_ node: Node) {
            switch node {
            case .scalar(let scalar):
                var rest = Substring(scalar.string)
                while let range = rest.range(of: prefix) {
                    rest = rest[range.upperBound...]
                    let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
                    if !name.isEmpty { names.insert(String(name)) }
                }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    visit(key)
                    visit(value)
                }
            case .sequence(let sequence): sequence.forEach(visit)
            case .alias: break
            }
        }
        node.map(visit)
        return names
    }

    // MARK: Steps

    private mutating func steps(_ node: Node, job: String, defaultShell: Node?) -> Node {
        guard case .sequence(let steps) = node else { return node }
        var out: [Node] = []
        postSteps = []
        for (position, step) in steps.enumerated() {
            // A composite action becomes several steps: positions in the job follow `out`.
            out += self.step(step, job: job, position: position, index: out.count, defaultShell: defaultShell)
        }
        // JavaScript actions' post: scripts run after every step, the last action's first (as on GitHub).
        for post in postSteps.reversed() {
            guard case .mapping(let pairs) = post else { continue }
            out += self.step(.mapping(pairs), job: job, position: steps.count, index: out.count, defaultShell: nil)
        }
        postSteps = []
        return NodeBuilder.sequence(out, at: node)
    }

    /// One workflow step as the job's steps: one, or a composite action's steps.
    mutating func step(_ node: Node, job: String, position: Int, index: Int, defaultShell: Node?) -> [Node] {
        guard case .mapping(let body) = node else { return [node] }
        if let uses = body["uses"]?.string, !Self.isBuiltIn(uses),
            let steps = externalAction(uses, at: node, job: job, index: index)
        {
            return steps
        }
        let context = "jobs.\(job).steps[\(position)]"
        var out: [(Node, Node)] = []
        for (keyNode, value) in body {
            guard let key = keyNode.string else { continue }
            switch key {
            case "id", "name", "run", "shell", "env", "if", "working-directory", "continue-on-error":
                out.append((keyNode, value))
            case "timeout-minutes":
                if let timeout = minutes(value, "\(context).timeout-minutes") {
                    out.append((NodeBuilder.key("timeout", at: keyNode), timeout))
                }
            case "uses", "with": break
            default:
                error(keyNode, "unknown key '\(key)' in \(context)\(Suggestion.hint(for: key, in: Self.stepKeys))")
            }
        }
        if body["run"] != nil, body["shell"] == nil, let defaultShell {
            out.append((NodeBuilder.key("shell", at: defaultShell), defaultShell))
        }
        if let uses = body["uses"] {
            out += action(
                uses, with: body["with"], job: job, index: index, named: body["name"] != nil,
                cacheMapped: mappedCacheSteps.contains("\(job)#\(position)"))
        }
        // The step's own env and the action's variables, as one env:.
        let envs = out.filter { $0.0.string == "env" }
        if envs.count > 1 {
            let merged = envs.flatMap { $0.1.mapping.map { Array($0) } ?? [] }
            out = out.filter { $0.0.string != "env" } + [(envs[0].0, NodeBuilder.mapping(merged, at: envs[0].1))]
        }
        return [NodeBuilder.mapping(out, at: node)]
    }

    /// A `uses:` step as what runs here: the checkout is the workspace; `actions/setup-*` check that
    /// the tool is on PATH; `actions/cache` is skipped (an optimisation); anything else is unsupported.
    private mutating func action(
        _ node: Node, with: Node?, job: String, index: Int, named: Bool, cacheMapped: Bool = false
    ) -> [(Node, Node)] {
        guard let reference = node.string else {
            error(node, "'uses' must be a string such as actions/checkout@v4")
            return []
        }
        let name = Self.actionName(reference) ?? reference
        var script: String
        var message: String?
        var env: [(Node, Node)] = []
        switch name {
        case "actions/checkout" where with?["path"] != nil || with?["ref"] != nil || with?["repository"] != nil:
            // A ref or a folder of its own: a clone of the local repository there (see checkoutScript).
            script = Self.checkoutScript
            env = ["path", "ref", "repository"].compactMap { key in
                with?[key].map { (NodeBuilder.key("GANTRY_CHECKOUT_\(key.uppercased())", at: $0), $0) }
            }
        case "actions/checkout":
            message = "actions/checkout: the workspace is the checkout"
            script = ""
        case _ where cacheMapped:
            // The job's cache: restored before its steps, saved after it succeeds; the step tells.
            script = """
                echo "cache-hit=$([ "${GANTRY_CACHE:-}" = hit ] && echo true || echo false)" >> "$GITHUB_OUTPUT"
                echo "\(name): the job's cache was restored before its steps (${GANTRY_CACHE:-miss}); it is saved after the job succeeds"
                """
        case _ where Self.cacheActions.contains(name):
            message = "\(name): skipped (Gantry caches with a job's cache: key)"
            script = ""
        case "actions/upload-artifact":
            script = Self.uploadScript(with: with)
        case "actions/download-artifact":
            script = downloadScript(with: with)
        case _ where Self.toolActions[name] != nil:
            let program = Self.toolActions[name] ?? ""
            script = Self.toolScript(name: name, program: program)
            // The version asked for reaches the script as data (it may be `${{ matrix.python }}`).
            if let requested = Self.versionInputs.lazy.compactMap({ with?[$0] }).first {
                env.append((NodeBuilder.key("GANTRY_SETUP_VERSION", at: requested), requested))
            }
        default:
            let why =
                reference.hasPrefix("docker://")
                ? "'\(reference)' needs a container engine" : actionProblem(reference)
            unsupported(node, job: job, step: index, why)
            script = "echo 'unsupported: \(reference.replacingOccurrences(of: "'", with: ""))' >&2; exit 1"
        }
        var out: [(Node, Node)]
        if let message {
            // Nothing to do but say so: a built-in action, no process.
            out = [
                (NodeBuilder.key("uses", at: node), NodeBuilder.scalar("gantry/echo", at: node)),
                (
                    NodeBuilder.key("with", at: node),
                    NodeBuilder.mapping(
                        [(NodeBuilder.key("message", at: node), NodeBuilder.scalar(message, at: node))], at: node)
                ),
            ]
        } else {
            // Gantry's own script: bash, whatever the workflow's default shell.
            out = [
                (NodeBuilder.key("run", at: node), NodeBuilder.scalar(script, at: node)),
                (NodeBuilder.key("shell", at: node), NodeBuilder.scalar("bash", at: node)),
            ]
        }
        if !named { out.append((NodeBuilder.key("name", at: node), NodeBuilder.scalar(reference, at: node))) }
        if !env.isEmpty { out.append((NodeBuilder.key("env", at: node), NodeBuilder.mapping(env, at: node))) }
        return out
    }

    /// `actions/checkout` with `ref`, `path` or `repository`, against the local repository: another
    /// repository cannot be fetched; a `path` gets a clone of this repository (objects shared) at `ref`
    /// (or HEAD); a `ref` for the workspace itself must be what is checked out already (checking out
    /// another would change the working tree under the person running gantry). `fetch-depth` changes
    /// nothing: the local history is what it is.
    static let checkoutScript = #"""
        set -eu
        workspace="$GITHUB_WORKSPACE"
        repository="${GANTRY_CHECKOUT_REPOSITORY:-}"; ref="${GANTRY_CHECKOUT_REF:-}"; path="${GANTRY_CHECKOUT_PATH:-}"
        if [ -n "$repository" ] && [ "${repository##*/}" != "${GITHUB_REPOSITORY##*/}" ]; then
          echo "actions/checkout: the repository $repository cannot be fetched here (only this one, $GITHUB_REPOSITORY)" >&2; exit 1
        fi
        case "$path" in /*|..|../*|*/../*|*/..) echo "actions/checkout: path $path must stay inside the workspace" >&2; exit 1;; esac
        if [ -z "$path" ] || [ "$path" = "." ]; then
          if [ -n "$ref" ] && [ "$(git -C "$workspace" rev-parse --verify --quiet --end-of-options "$ref^{commit}" || echo none)" != "$(git -C "$workspace" rev-parse HEAD)" ]; then
            echo "actions/checkout: ref $ref is not what the workspace has checked out; give path: to check it out beside it" >&2; exit 1
          fi
          echo "actions/checkout: the workspace is the checkout"; exit 0
        fi
        target="$workspace/$path"
        if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
          echo "actions/checkout: $path exists and is not empty" >&2; exit 1
        fi
        git clone --quiet --shared --no-checkout -- "$workspace" "$target"
        commit="$(git -C "$target" rev-parse --verify --quiet --end-of-options "${ref:-HEAD}^{commit}" || git -C "$target" rev-parse --verify --quiet --end-of-options "origin/$ref^{commit}" || true)"
        if [ -z "$commit" ]; then echo "actions/checkout: no ref $ref in this repository" >&2; exit 1; fi
        git -C "$target" -c advice.detachedHead=false checkout --quiet --detach "$commit"
        echo "actions/checkout: $path has this repository at ${ref:-HEAD} ($commit)"
        """#

    /// `actions/upload-artifact`: the files stay in the workspace every job shares (and the job's
    /// first upload is kept with the run); the step checks they exist as `if-no-files-found` says.
    static func uploadScript(with: Node?) -> String {
        let name = with?["name"]?.string ?? "artifact"
        let paths = pathLines(with?["path"]?.string ?? "")
        let missing = with?["if-no-files-found"]?.string ?? "warn"
        let quoted = paths.map(NodeBuilder.shellQuote).joined(separator: " ")
        let onMissing =
            missing == "error"
            ? "echo \"upload-artifact: no files found for $p\" >&2; exit 1"
            : missing == "ignore" ? ":" : "echo \"upload-artifact: warning: no files found for $p\" >&2"
        return """
            set -f; for p in \(quoted); do set +f; found=; for f in $p; do [ -e "$f" ] && found=1 && break; done; \
            [ -n "$found" ] || { \(onMissing); }; set -f; done; set +f
            echo "upload-artifact: \(name.replacingOccurrences(of: "\"", with: "")) stays in the shared workspace"
            """
    }

    /// `actions/download-artifact`: what an earlier job uploaded is already in the shared workspace;
    /// the step copies it where this step asks when that is elsewhere.
    private func downloadScript(with: Node?) -> String {
        let wanted = with?["name"]?.string
        let target = with?["path"]?.string ?? "."
        let sources = uploads.filter { wanted == nil || $0.key == wanted }.sorted { $0.key < $1.key }
        var lines: [String] = []
        for (name, path) in sources {
            let source =
                path.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !source.isEmpty, !source.contains("*"), !source.contains("${{") else { continue }
            // Several artifacts without merge-multiple: each in a folder of its name, as GitHub does.
            let destination =
                wanted == nil && with?["merge-multiple"]?.string != "true" && sources.count > 1
                ? "\(target)/\(name)" : target
            let from = NodeBuilder.shellQuote(source.hasSuffix("/") ? String(source.dropLast()) : source)
            let to = NodeBuilder.shellQuote(destination)
            // A named artifact must exist; of all artifacts, one that uploaded nothing is simply absent.
            let absent =
                wanted == nil ? ":" : "echo \"download-artifact: \(name) was not uploaded in this run\" >&2; exit 1"
            lines.append(
                "if [ -d \(from) ]; then [ \(from) -ef \(to) ] || { mkdir -p \(to) && cp -R \(from)/. \(to)/; }; "
                    + "elif [ -e \(from) ]; then mkdir -p \(to) && cp \(from) \(to)/; else \(absent); fi")
        }
        if let wanted, sources.isEmpty {
            lines.append("echo \"download-artifact: no job of this workflow uploads '\(wanted)'\" >&2; exit 1")
        }
        lines.append("echo 'download-artifact: the artifacts are in the shared workspace'")
        return lines.joined(separator: "\n")
    }

    /// The inputs that name the version a set-up action installs, in the order they are looked for.
    static let versionInputs = [
        "python-version", "node-version", "go-version", "java-version", "dotnet-version", "ruby-version",
        "deno-version", "bun-version", "swift-version", "terraform_version", "toolchain", "version",
    ]

    /// A set-up action's step: the program must be on PATH; a plain version asked for (`3.12`, `20`,
    /// `20.x`, `1.22.1`) must be the one it reports (`--version`), or the step fails saying what is
    /// missing; other specifications (`lts/*`, `>=3.9`, `stable`) are not checked.
    static func toolScript(name: String, program: String) -> String {
        #"""
        if ! command -v \#(program) >/dev/null 2>&1; then echo "\#(name): \#(program) is not on PATH here; install it" >&2; exit 1; fi
        echo "\#(name): using $(command -v \#(program))"
        have="$(\#(program) --version 2>&1 | head -n 1)"; echo "$have"
        want="${GANTRY_SETUP_VERSION:-}"
        case "$want" in
          ''|*[!0-9.x]*|.*) ;;
          *) prefix="${want%.x}"; prefix="${prefix%.x}"
             if ! printf '%s\n' "$have" | grep -Eq "(^|[^0-9.])${prefix//./\\.}(\.[0-9]+)*([^0-9.]|$)"; then
               echo "\#(name): version $want was asked for, and \#(program) here is: $have (install $want, or run with what this machine has)" >&2; exit 1
             fi ;;
        esac
        """#
    }

    /// Actions that install a tool, by the program they make available: here the step checks that
    /// the program is on PATH and prints its version.
    static let toolActions = [
        "actions/setup-python": "python3", "actions/setup-node": "node", "actions/setup-go": "go",
        "actions/setup-java": "java", "actions/setup-dotnet": "dotnet", "ruby/setup-ruby": "ruby",
        "denoland/setup-deno": "deno", "oven-sh/setup-bun": "bun", "swift-actions/setup-swift": "swift",
        "gradle/actions/setup-gradle": "gradle", "hashicorp/setup-terraform": "terraform",
        "dtolnay/rust-toolchain": "cargo", "actions-rs/toolchain": "cargo", "astral-sh/setup-uv": "uv",
        "pnpm/action-setup": "pnpm", "azure/setup-helm": "helm", "azure/setup-kubectl": "kubectl",
        "erlef/setup-beam": "erl", "shivammathur/setup-php": "php", "goto-bus-stop/setup-zig": "zig",
        "mlugg/setup-zig": "zig", "actions/setup-haskell": "ghc", "haskell-actions/setup": "ghc",
    ]

    /// The job's first `actions/cache` (or `actions/cache/restore`) step as Gantry's job `cache:` —
    /// `key`, the `path` entries inside the workspace, `restore-keys` — and its position; nil when
    /// there is none, or it caches nothing inside the workspace (`~/.npm` and the like stay skipped).
    static func cacheStep(in steps: Node) -> (Node, Int)? {
        guard case .sequence(let sequence) = steps else { return nil }
        for (position, step) in sequence.enumerated() {
            guard let name = actionName(step["uses"]?.string),
                ["actions/cache", "actions/cache/restore"].contains(name)
            else { continue }
            guard let uses = step["uses"], let key = step["with"]?["key"], key.string?.isEmpty == false,
                let path = step["with"]?["path"]?.string
            else { return nil }
            let paths = pathLines(path).filter { entry in
                !entry.hasPrefix("/") && !entry.hasPrefix("~") && !entry.hasPrefix("$") && !entry.contains("${{")
                    && !entry.contains("*") && !entry.split(separator: "/").contains("..")
            }
            guard !paths.isEmpty else { return nil }
            var cache: [(Node, Node)] = [
                (NodeBuilder.key("key", at: key), key),
                (
                    NodeBuilder.key("paths", at: uses),
                    NodeBuilder.sequence(paths.map { NodeBuilder.scalar($0, at: uses) }, at: uses)
                ),
            ]
            if name == "actions/cache/restore" {
                // Restores only: the job does not save.
                cache.append((NodeBuilder.key("policy", at: uses), NodeBuilder.scalar("pull", at: uses)))
            }
            if let restore = step["with"]?["restore-keys"]?.string {
                let prefixes = pathLines(restore)
                if !prefixes.isEmpty {
                    cache.append(
                        (
                            NodeBuilder.key("restore-keys", at: uses),
                            NodeBuilder.sequence(prefixes.map { NodeBuilder.scalar($0, at: uses) }, at: uses)
                        ))
                }
            }
            return (NodeBuilder.mapping(cache, at: uses), position)
        }
        return nil
    }

    /// Cache actions: an optimisation, skipped here (a job's `cache:` is Gantry's).
    static let cacheActions: Set<String> = [
        "actions/cache", "actions/cache/restore", "actions/cache/save", "swatinem/rust-cache",
        "mozilla-actions/sccache-action",
    ]

    // MARK: Values

    /// `defaults.run.{shell, working-directory}` as Gantry's defaults.
    private mutating func runDefaults(_ node: Node, context: String) -> [(Node, Node)]? {
        guard case .mapping(let defaults) = node else {
            error(node, "\(context) must be a mapping")
            return nil
        }
        var out: [(Node, Node)] = []
        for (keyNode, value) in defaults {
            guard keyNode.string == "run" else {
                error(keyNode, "unknown key '\(keyNode.string ?? "")' in \(context) (expected run)")
                continue
            }
            guard case .mapping(let run) = value else {
                error(value, "\(context).run must be a mapping of shell and working-directory")
                continue
            }
            for (runKey, runValue) in run {
                switch runKey.string {
                case "shell", "working-directory": out.append((runKey, runValue))
                default:
                    error(
                        runKey,
                        "unknown key '\(runKey.string ?? "")' in \(context).run (expected shell, working-directory)")
                }
            }
        }
        return out
    }

    /// Minutes (a number) as a Gantry duration; an expression (`${{ inputs.timeout }}`) is accepted
    /// and leaves the default timeout in place (docs/compat.md).
    private mutating func minutes(_ node: Node, _ what: String) -> Node? {
        if let text = node.string, text.contains("${{") { return nil }
        guard let text = node.string, let value = Double(text), value > 0, value <= 60 * 24 * 30 else {
            error(node, "\(what) must be a positive number of minutes (at most 30 days) or an expression")
            return nil
        }
        return NodeBuilder.scalar("\(Int((value * 60).rounded(.up)))s", at: node)
    }

    // MARK: Diagnostics and nodes

    mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(document.location(node), .error, message))
    }

    mutating func unsupported(_ node: Node, job: String, step: Int?, _ message: String) {
        unsupported.append(
            UnsupportedConstruct(location: document.location(node), job: job, step: step, message: message))
    }

}
