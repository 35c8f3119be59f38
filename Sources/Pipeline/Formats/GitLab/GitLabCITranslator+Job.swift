import Foundation
import GantryCore
import Yams

extension GitLabCITranslator {
    // MARK: Deciding

    /// Inherits `default:` and decides the job's stage, variables, `when` and whether it is in this
    /// pipeline (`workflow:rules`, `rules:`, `only:`/`except:`).
    mutating func decide(_ job: inout GitLabJob, context: GitLabJobContext) {
        guard case .mapping(let pairs) = job.body else { return }
        for (keyNode, _) in pairs {
            guard let key = keyNode.string, Self.jobKeys.contains(key) else {
                let key = keyNode.string ?? ""
                error(
                    keyNode, "unknown key '\(key)' in job '\(job.name)'\(Suggestion.hint(for: key, in: Self.jobKeys))")
                continue
            }
        }
        // `inherit:` limits what comes from `default:` and the global variables.
        var inheritedDefaults = Set(context.defaults.keys)
        var inheritVariables: Set<String>?  // nil: all
        if let inherit = job.body["inherit"] {
            if let node = inherit["default"] {
                if let all = Self.bool(node) {
                    if !all { inheritedDefaults = [] }
                } else {
                    inheritedDefaults.formIntersection((node.sequence ?? []).compactMap(\.string))
                }
            }
            if let node = inherit["variables"] {
                if let all = Self.bool(node) {
                    inheritVariables = all ? nil : []
                } else {
                    inheritVariables = Set((node.sequence ?? []).compactMap(\.string))
                }
            }
        }
        for key in inheritedDefaults.sorted() where job.body[key] == nil {
            guard let value = context.defaults[key] else { continue }
            job.body = NodeMerge.setting(key, value, in: job.body, keyAt: job.keyNode)
        }
        if let stageNode = job.body["stage"] {
            if let stage = stageNode.string, context.stages.contains(stage) {
                job.stage = stage
            } else {
                let stage = stageNode.string ?? ""
                error(
                    stageNode,
                    "job '\(job.name)' is in stage '\(stage)', which is not in stages (\(context.stages.joined(separator: ", ")))\(Suggestion.hint(for: stage, in: context.stages))"
                )
            }
        }
        let globals = context.globalVariables.filter { inheritVariables?.contains($0.name) ?? true }
        job.variables = globals + variables(job.body["variables"], context: "job '\(job.name)' variables")
        if let whenNode = job.body["when"] {
            if let when = whenNode.string, Self.whenValues.contains(when) {
                job.when = when
            } else {
                error(
                    whenNode,
                    "unknown when '\(whenNode.string ?? "")' (expected \(Self.whenValues.joined(separator: ", ")))")
            }
        }
        // Rules see the predefined, inherited global and job variables (each expanded once, in order),
        // and the trigger's.
        var known = GitLabVariables.adding(job.variables, to: GitLabVariables.forRules(context.predefined))
        known.merge(trigger.variables) { $1 }
        known["CI_JOB_NAME"] = job.name
        known["CI_JOB_NAME_SLUG"] = GitLabVariables.slug(job.name)
        known["CI_JOB_STAGE"] = job.stage
        job.known = known
        let conditions = GitLabRuleConditions(
            variables: known, changedFiles: trigger.changedFiles, repositoryRoot: repositoryRoot)
        // The job's own `allow_failure` (true/false; `exit_codes` are judged by its script).
        var jobAllowFailure: Bool?
        if let allow = job.body["allow_failure"] {
            jobAllowFailure = Self.bool(allow)
            if jobAllowFailure == nil, allow["exit_codes"] == nil {
                error(allow, "allow_failure must be true, false or {exit_codes: [...]}")
            }
        }
        if keepsDecisions {
            // `gantry convert`: rules are decided for each pipeline by `dialect: gitlab`.
            job.allowFailure = jobAllowFailure ?? false
        } else {
            switch conditions.jobOutcome(
                rules: job.body["rules"], only: job.body["only"], except: job.body["except"], jobWhen: job.when,
                jobAllowFailure: jobAllowFailure, trigger: trigger)
            {
            case .failure(let problem):
                error(problem.node, "job '\(job.name)': \(problem.message)")
            case .success(let decided):
                job.when = decided.when
                job.excluded = decided.excluded
                job.ruleVariables = decided.variables
                job.ruleNeeds = decided.needs
                job.allowFailure = decided.allowFailure ?? false
            }
        }
        if let why = context.workflowExcluded { job.excluded = why }
        if let why = job.unresolved { markUnsupported(job.keyNode, job: job.id, "job '\(job.name)': \(why)") }
    }

    // MARK: Translating

    /// The job as a native job mapping.
    mutating func translateJob(_ job: GitLabJob, context: GitLabJobContext, jobs: [GitLabJob]) -> Node {
        let at = job.keyNode
        var out: [(Node, Node)] = [(NodeBuilder.key("name", at: at), NodeBuilder.scalar(job.name, at: at))]
        if keepsDecisions {
            out += GitLabDialect.jobKeys.compactMap { key in
                key == "stage"
                    ? (NodeBuilder.key("stage", at: at), NodeBuilder.scalar(job.stage, at: job.body["stage"] ?? at))
                    : job.body[key].map { (NodeBuilder.key(key, at: at), $0) }
            }
        } else if let reason = job.excluded {
            recordSkip(.rules(reason), job: job.id)
        } else if job.when == "manual" {
            recordSkip(.manual, job: job.id)
        }
        for (key, what) in [
            ("services", "services need a container engine"), ("trigger", "it starts a downstream pipeline on GitLab"),
            ("release", "it creates a release through GitLab's API"),
            ("secrets", "it reads secrets from an external secrets manager"),
            ("run", "its CI/CD steps (run:) are not supported"),
        ] {
            if let node = job.body[key], !node.isNull, node.sequence?.isEmpty != true, job.excluded == nil {
                markUnsupported(node, job: job.id, "job '\(job.name)': \(what)")
            }
        }
        if let needs = needs(of: job, context: context, jobs: jobs) {
            out.append((NodeBuilder.key("needs", at: at), needs))
        }
        switch keepsDecisions ? "" : job.when {
        case "on_failure": out.append((NodeBuilder.key("if", at: at), NodeBuilder.scalar("failure()", at: at)))
        case "always": out.append((NodeBuilder.key("if", at: at), NodeBuilder.scalar("always()", at: at)))
        default: break
        }
        var job = job
        let (matrix, matrixVariables) = parallel(job.body["parallel"], job: &job)
        let (environment, exports) = environment(of: job, context: context, matrixVariables: matrixVariables)
        if !environment.isEmpty {
            out.append((NodeBuilder.key("env", at: at), NodeBuilder.mapping(environment, at: at)))
        }
        if let deployment = deploymentEnvironment(of: job) {
            out.append((NodeBuilder.key("environment", at: at), deployment))
        }
        if let matrix { out.append((NodeBuilder.key("matrix", at: at), matrix)) }
        if let timeout = job.body["timeout"] {
            if let text = timeout.string, let seconds = GitLabDuration.seconds(text), seconds >= 1 {
                out.append(
                    (
                        NodeBuilder.key("timeout", at: timeout),
                        NodeBuilder.scalar("\(Int(seconds.rounded(.up)))s", at: timeout)
                    ))
            } else {
                error(timeout, "timeout must be a duration such as 1h 30m or 90 minutes")
            }
        }
        if let retry = job.body["retry"], let translated = retryPolicy(retry) {
            out.append((NodeBuilder.key("retry", at: retry), translated))
        }
        let allowedCodes = allowedExitCodes(job.body["allow_failure"])
        if job.allowFailure && allowedCodes.isEmpty && !keepsDecisions {
            out.append((NodeBuilder.key("continue-on-error", at: at), NodeBuilder.scalar("true", at: at)))
        }
        if let artifacts = job.body["artifacts"], let translated = artifactSpec(artifacts, job: job) {
            out.append((NodeBuilder.key("artifacts", at: artifacts), translated))
        }
        if let group = job.body["resource_group"] {
            if let name = group.string, !name.isEmpty {
                let expanded = GitLabVariables.expand(name, job.known, undefinedAsEmpty: true)
                out.append((NodeBuilder.key("resource-group", at: group), NodeBuilder.scalar(expanded, at: group)))
            } else {
                error(group, "resource_group must be a name")
            }
        }
        if let cache = job.body["cache"], let translated = cacheSpec(cache, job: job) {
            out.append((NodeBuilder.key("cache", at: cache), translated))
        }
        out.append((NodeBuilder.key("steps", at: at), steps(of: job, exports: exports, allowedCodes: allowedCodes)))
        return NodeBuilder.mapping(out, at: at)
    }

    /// `needs:` (or `rules:needs`) as job ids, or the jobs of every earlier stage.
    private mutating func needs(of job: GitLabJob, context: GitLabJobContext, jobs: [GitLabJob]) -> Node? {
        let at = job.keyNode
        let byName = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard let explicit = job.ruleNeeds ?? job.body["needs"] else {
            // `gantry convert` leaves stage order to `dialect: gitlab`, which decides rules first.
            guard !keepsDecisions,
                let (needed, soft) = GitLabStages.needs(
                    of: job.stage, stages: context.stages, members: jobs.map(\.stageMember))
            else { return nil }
            recordStageNeeds(soft, job: job.id)
            return needed.isEmpty ? nil : NodeBuilder.sequence(needed.map { NodeBuilder.scalar($0, at: at) }, at: at)
        }
        guard case .sequence(let entries) = explicit else {
            error(explicit, "needs must be a list of jobs")
            return nil
        }
        var ids: [Node] = []
        for entry in entries {
            var name = entry.string
            var optional = false
            if case .mapping = entry {
                if entry["pipeline"] != nil || entry["project"] != nil {
                    if job.excluded == nil {
                        markUnsupported(
                            entry, job: job.id, "job '\(job.name)' needs a job of another pipeline or project")
                    }
                    continue
                }
                name = entry["job"]?.string
                optional = entry["optional"].flatMap(Self.bool) ?? false
            }
            guard let name else {
                error(entry, "each need must be a job name or {job: name}")
                continue
            }
            guard let target = byName[name] else {
                error(
                    entry,
                    "job '\(job.name)' needs '\(name)', which is not a job of this file\(Suggestion.hint(for: name, in: jobs.map(\.name)))"
                )
                continue
            }
            if target.excluded != nil {
                if !optional && job.excluded == nil {
                    error(
                        entry,
                        "job '\(job.name)' needs '\(name)', which is not in this pipeline (\(target.excluded ?? "")); mark the need optional: true"
                    )
                }
                continue
            }
            ids.append(NodeBuilder.scalar(target.id, at: entry))
        }
        return NodeBuilder.sequence(ids, at: explicit)
    }

    /// Text GitLab expands when it creates the pipeline (an environment's name and url), as a template:
    /// the variables known here expanded, the rest empty — or, with `keepsDecisions`, read when the job
    /// runs (`${{ env.CI_COMMIT_REF_SLUG }}`: `dialect: gitlab` gives the pipeline its `CI_*` variables).
    func creationText(_ text: String, job: GitLabJob) -> String {
        let expanded = Template.literal(GitLabVariables.expand(text, job.known, undefinedAsEmpty: !keepsDecisions))
        return keepsDecisions ? GitLabVariables.environmentReferences(expanded) : expanded
    }

    /// A deployment job's `environment:` (`name` or `{name, url, action}`) as the job's native
    /// `environment: {name, url}`, variables expanded: the Gantry environment of that name protects it.
    private func deploymentEnvironment(of job: GitLabJob) -> Node? {
        guard let environment = job.body["environment"],
            let name = environment.string ?? environment["name"]?.string,
            case let expanded = creationText(name, job: job), !expanded.isEmpty
        else { return nil }
        let at = environment["name"] ?? environment
        var pairs = [(NodeBuilder.key("name", at: at), NodeBuilder.scalar(expanded, at: at))]
        if let url = environment["url"], let text = url.string {
            pairs.append((NodeBuilder.key("url", at: url), NodeBuilder.scalar(creationText(text, job: job), at: url)))
        }
        return NodeBuilder.mapping(pairs, at: environment)
    }

    /// The job's variables: predefined, job-level ones, global, job, rule and matrix variables, and
    /// the trigger's, in rising precedence, expanded. A value that still names a variable this file
    /// does not define (`$PATH`, `$HOME`) is exported by the script instead, so that the shell expands
    /// it (as GitLab Runner's shell executor does).
    private mutating func environment(
        of job: GitLabJob, context: GitLabJobContext, matrixVariables: [String]
    ) -> ([(Node, Node)], [(String, String)]) {
        let at = job.keyNode
        // Text from the file or the trigger (a commit message or a branch name may hold anything) is
        // never an expression.
        let literal = Template.literal
        var raw: [(String, String)] = context.predefined.map { name, value in
            (name, GitLabVariables.knownAtRunStart.contains(name) ? value : literal(value))
        }
        raw += [
            ("CI_JOB_NAME", literal(job.name)), ("CI_JOB_NAME_SLUG", GitLabVariables.slug(job.name)),
            ("CI_JOB_STAGE", literal(job.stage)), ("CI_JOB_ID", "${{ run.id }}"),
            ("CI_JOB_MANUAL", job.when == "manual" ? "true" : ""),
        ].filter { !$0.1.isEmpty }
        // A deployment job's environment (`environment: name` or `{name, url, action}`), expanded.
        if let environment = job.body["environment"] {
            let name = environment.string ?? environment["name"]?.string
            if let name {
                let expanded = GitLabVariables.expand(name, job.known, undefinedAsEmpty: true)
                raw += [
                    ("CI_ENVIRONMENT_NAME", creationText(name, job: job)),
                    ("CI_ENVIRONMENT_SLUG", String(GitLabVariables.slug(expanded).prefix(24))),
                    ("CI_ENVIRONMENT_ACTION", environment["action"]?.string ?? "start"),
                ]
            }
            if let url = environment["url"]?.string {
                raw.append(("CI_ENVIRONMENT_URL", creationText(url, job: job)))
            }
        }
        raw += job.variables.map { ($0.name, literal($0.value)) }
        for (nameNode, valueNode) in job.ruleVariables {
            guard let name = nameNode.string, EnvVar.isValidName(name) else {
                error(nameNode, "'\(nameNode.string ?? "")' is not a valid variable name")
                continue
            }
            raw.append((name, literal(valueNode.isNull ? "" : valueNode.string ?? "")))
        }
        raw += matrixVariables.map { ($0, "${{ matrix.\($0) }}") }
        if let total = job.parallelTotal { raw.append(("CI_NODE_TOTAL", String(total))) }
        raw += trigger.variables.sorted { $0.key < $1.key }.map { ($0.key, literal($0.value)) }
        // Last definition wins, in the position of the first.
        var order: [String] = []
        var values: [String: String] = [:]
        for (name, value) in raw {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        var expanded = values
        for _ in 0..<4 {
            var changed = false
            for name in order {
                let value = GitLabVariables.expand(expanded[name] ?? "", expanded.filter { $0.key != name })
                if value != expanded[name] {
                    expanded[name] = value
                    changed = true
                }
            }
            if !changed { break }
        }
        var environment: [(Node, Node)] = []
        var exports: [(String, String)] = []
        for name in order {
            let value = expanded[name] ?? ""
            if GitLabVariables.namesVariable(value) {
                exports.append((name, value))
            } else {
                // `$$` is a literal `$` once the value is final.
                environment.append(
                    (
                        NodeBuilder.key(name, at: at),
                        NodeBuilder.scalar(value.replacingOccurrences(of: "$$", with: "$"), at: at)
                    ))
            }
        }
        return (environment, exports)
    }

    /// `parallel: N` or `parallel: {matrix: [...]}` as a matrix of explicit combinations, and the
    /// variables it sets.
    private mutating func parallel(_ node: Node?, job: inout GitLabJob) -> (Node?, [String]) {
        guard let node else { return (nil, []) }
        let at = node
        if let text = node.string {
            guard let count = Int(text), (1...200).contains(count) else {
                error(node, "parallel must be a number from 1 to 200, or {matrix: [...]}")
                return (nil, [])
            }
            job.parallelTotal = count
            let combinations = (1...count).map { index in
                NodeBuilder.mapping(
                    [(NodeBuilder.key("CI_NODE_INDEX", at: at), NodeBuilder.scalar(String(index), at: at))], at: at)
            }
            return (
                NodeBuilder.mapping(
                    [(NodeBuilder.key("include", at: at), NodeBuilder.sequence(combinations, at: at))], at: at),
                ["CI_NODE_INDEX"]
            )
        }
        guard case .sequence(let entries)? = node["matrix"] else {
            error(node, "parallel must be a number from 1 to 200, or {matrix: [...]}")
            return (nil, [])
        }
        var combinations: [[(String, String)]] = []
        var names: [String] = []
        for entry in entries {
            guard case .mapping(let pairs) = entry else {
                error(entry, "each parallel:matrix entry must be a mapping of variables to values")
                continue
            }
            var partial: [[(String, String)]] = [[]]
            for (keyNode, value) in pairs {
                guard let name = keyNode.string, EnvVar.isValidName(name) else {
                    error(keyNode, "'\(keyNode.string ?? "")' is not a valid variable name")
                    continue
                }
                if !names.contains(name) { names.append(name) }
                let values = (value.sequence.map(Array.init) ?? [value]).compactMap(\.string)
                partial = partial.flatMap { prefix in values.map { prefix + [(name, $0)] } }
                if partial.count > 200 { break }
            }
            combinations += partial
            if combinations.count > 200 {
                error(node, "parallel:matrix makes more than 200 jobs")
                return (nil, [])
            }
        }
        job.parallelTotal = combinations.count
        let items = combinations.map { combination in
            NodeBuilder.mapping(
                combination.map { (NodeBuilder.key($0.0, at: at), NodeBuilder.scalar($0.1, at: at)) }, at: at)
        }
        return (
            NodeBuilder.mapping([(NodeBuilder.key("include", at: at), NodeBuilder.sequence(items, at: at))], at: at),
            names
        )
    }

    /// `retry: N` or `{max, when, exit_codes}` as a native retry policy; nil when nothing it retries can
    /// happen here (runner and API failures).
    private mutating func retryPolicy(_ node: Node) -> Node? {
        let at = node
        var maximum: Int?
        var conditions: [String] = []
        if let text = node.string {
            maximum = Int(text)
        } else if case .mapping = node {
            maximum = node["max"]?.string.flatMap { Int($0) } ?? 0
            let whens = node["when"].map { $0.sequence.map(Array.init) ?? [$0] } ?? []
            for when in whens.compactMap(\.string) {
                switch when {
                case "always": conditions += ["failure", "timeout"]
                case "script_failure", "unknown_failure": conditions.append("failure")
                case "job_execution_timeout", "stuck_or_timeout_failure": conditions.append("timeout")
                default: break  // runner, API and scheduler failures do not happen here
                }
            }
            let codes = node["exit_codes"].map { $0.sequence.map(Array.init) ?? [$0] } ?? []
            for code in codes {
                guard let text = code.string, let value = Int(text), (1...255).contains(value) else {
                    error(code, "retry exit_codes must be exit statuses from 1 to 255")
                    continue
                }
                conditions.append("exit-code:\(value)")
            }
            if (!whens.isEmpty || !codes.isEmpty) && conditions.isEmpty { return nil }
        }
        guard let maximum, (0...2).contains(maximum) else {
            error(node, "retry must be a number from 0 to 2 (GitLab's limit) or {max, when, exit_codes}")
            return nil
        }
        guard maximum > 0 else { return nil }
        var pairs: [(Node, Node)] = [(NodeBuilder.key("max", at: at), NodeBuilder.scalar(String(maximum), at: at))]
        if !conditions.isEmpty {
            var unique: [String] = []
            for condition in conditions where !unique.contains(condition) { unique.append(condition) }
            pairs.append(
                (
                    NodeBuilder.key("on", at: at),
                    NodeBuilder.sequence(unique.map { NodeBuilder.scalar($0, at: at) }, at: at)
                ))
        }
        return NodeBuilder.mapping(pairs, at: at)
    }

    /// `allow_failure: {exit_codes: …}`: the statuses with which the job may fail.
    private mutating func allowedExitCodes(_ node: Node?) -> [Int] {
        guard let codes = node?["exit_codes"] else { return [] }
        var out: [Int] = []
        for code in codes.sequence.map(Array.init) ?? [codes] {
            guard let text = code.string, let value = Int(text), (1...255).contains(value) else {
                error(code, "allow_failure exit_codes must be exit statuses from 1 to 255")
                continue
            }
            out.append(value)
        }
        return out
    }

    /// `artifacts:` as the native artifacts (`paths` and the report files are kept with the run).
    private mutating func artifactSpec(_ node: Node, job: GitLabJob) -> Node? {
        guard case .mapping = node else {
            error(node, "artifacts must be a mapping (paths, when, name…)")
            return nil
        }
        let at = node
        let variables = job.known
        var paths: [Node] = []
        for item in node["paths"]?.sequence ?? [] {
            guard let path = item.string else {
                error(item, "each artifacts path must be a string")
                continue
            }
            paths.append(NodeBuilder.scalar(inWorkspace(GitLabVariables.expand(path, variables)), at: item))
        }
        if case .mapping(let reports)? = node["reports"] {
            for (_, value) in reports {
                for item in value.sequence ?? [value] {
                    if let path = item.string {
                        paths.append(NodeBuilder.scalar(inWorkspace(GitLabVariables.expand(path, variables)), at: item))
                    }
                }
            }
        }
        guard !paths.isEmpty else { return nil }
        var pairs: [(Node, Node)] = [(NodeBuilder.key("paths", at: at), NodeBuilder.sequence(paths, at: at))]
        let exclude = (node["exclude"]?.sequence ?? []).compactMap { item in
            item.string.map { NodeBuilder.scalar(inWorkspace(GitLabVariables.expand($0, variables)), at: item) }
        }
        if !exclude.isEmpty {
            pairs.append((NodeBuilder.key("exclude", at: node["exclude"] ?? at), NodeBuilder.sequence(exclude, at: at)))
        }
        if let name = node["name"]?.string {
            let expanded = GitLabVariables.expand(name, variables)
            if !GitLabVariables.namesVariable(expanded) {
                pairs.append((NodeBuilder.key("name", at: at), NodeBuilder.scalar(expanded, at: node["name"] ?? at)))
            }
        }
        if let when = node["when"] {
            guard let text = when.string, ["on_success", "on_failure", "always"].contains(text) else {
                error(when, "artifacts when must be on_success, on_failure or always")
                return nil
            }
            pairs.append((NodeBuilder.key("when", at: when), when))
        }
        return NodeBuilder.mapping(pairs, at: at)
    }

    /// `cache:` (the first one of a list) as the native cache: `key` (or `key: {files, prefix}`),
    /// `paths`, `fallback_keys` as restore keys.
    private mutating func cacheSpec(_ node: Node, job: GitLabJob) -> Node? {
        var cache = node
        if case .sequence(let caches) = node {
            guard let first = caches.first else { return nil }
            cache = first
        }
        guard case .mapping = cache else {
            error(cache, "cache must be a mapping (key, paths, policy…)")
            return nil
        }
        let at = cache
        let variables = job.known
        let paths = (cache["paths"]?.sequence ?? []).compactMap(\.string).map {
            inWorkspace(GitLabVariables.expand($0, variables))
        }
        guard !paths.isEmpty else { return nil }
        var key = "default"
        if let keyNode = cache["key"] {
            if let text = keyNode.string {
                key = GitLabVariables.expand(text, variables)
            } else if let files = keyNode["files"]?.sequence {
                let quoted = files.compactMap(\.string).map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
                let prefix = keyNode["prefix"]?.string.map { GitLabVariables.expand($0, variables) + "-" } ?? ""
                key = "\(prefix)${{ hashFiles(\(quoted.joined(separator: ", "))) }}"
            } else {
                error(keyNode, "cache key must be a string or {files: [...], prefix}")
                return nil
            }
        }
        if GitLabVariables.namesVariable(key) {
            // Converted, the key reads them when the job runs; otherwise they are unknown here.
            key =
                keepsDecisions
                ? GitLabVariables.environmentReferences(key) : key.replacingOccurrences(of: "$", with: "")
        }
        var pairs: [(Node, Node)] = [
            (NodeBuilder.key("key", at: at), NodeBuilder.scalar(key, at: cache["key"] ?? at)),
            (
                NodeBuilder.key("paths", at: at),
                NodeBuilder.sequence(paths.map { NodeBuilder.scalar($0, at: at) }, at: at)
            ),
        ]
        if let policy = cache["policy"] {
            guard let text = policy.string, ["pull", "push", "pull-push"].contains(text) else {
                error(policy, "cache policy must be pull, push or pull-push")
                return nil
            }
            pairs.append((NodeBuilder.key("policy", at: policy), policy))
        }
        let fallbacks = (cache["fallback_keys"]?.sequence ?? []).compactMap(\.string)
        if !fallbacks.isEmpty {
            pairs.append(
                (
                    NodeBuilder.key("restore-keys", at: at),
                    NodeBuilder.sequence(
                        fallbacks.map { NodeBuilder.scalar(GitLabVariables.expand($0, variables), at: at) }, at: at)
                ))
        }
        return NodeBuilder.mapping(pairs, at: at)
    }

    /// A path written as `$CI_PROJECT_DIR/public` (absolute once expanded) as the workspace-relative
    /// path artifacts and caches take; others as they are.
    private func inWorkspace(_ path: String) -> String {
        let root = workspace.path.hasSuffix("/") ? String(workspace.path.dropLast()) : workspace.path
        if path == root { return "." }
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        return path
    }

    // MARK: Scripts

    /// `before_script` and `script` as one bash step (as GitLab Runner runs them, in one shell with
    /// `set -eo pipefail`, each command echoed), `after_script` as a step that always runs and may fail.
    private mutating func steps(of job: GitLabJob, exports: [(String, String)], allowedCodes: [Int]) -> Node {
        let at = job.keyNode
        let before = commands(job.body["before_script"], what: "before_script")
        let script = commands(job.body["script"], what: "script")
        let after = commands(job.body["after_script"], what: "after_script")
        if job.body["script"] == nil && job.body["trigger"] == nil && job.body["run"] == nil {
            if missingIncludes {
                // `sast: {stage: test}` customises a job an include defines (GitLab's templates).
                if job.excluded == nil {
                    markUnsupported(
                        at, job: job.id,
                        "job '\(job.name)' has no script here: it is defined by an include that cannot be fetched")
                }
            } else {
                error(at, "job '\(job.name)' has no script (a hidden template's name starts with '.')")
            }
        } else if let node = job.body["script"], node.sequence?.isEmpty == true || node.string?.isEmpty == true {
            error(job.body["script"] ?? at, "job '\(job.name)': script is empty")
        }
        let prologue = exports.map { "export \($0.0)=\(Self.shellWords($0.1))" }
        var body = prologue + (before + script).flatMap(Self.echoed)
        if !allowedCodes.isEmpty {
            let cases = allowedCodes.map(String.init).joined(separator: "|")
            body =
                prologue + ["set +e", "(", "set -e"] + (before + script).flatMap(Self.echoed) + [
                    ")", "status=$?", "set -e",
                    "case $status in \(cases)) echo \"exit status $status is allowed (allow_failure: exit_codes)\" >&2; exit 0 ;; esac",
                    "exit $status",
                ]
        }
        var steps: [Node] = [
            NodeBuilder.mapping(
                [
                    (NodeBuilder.key("name", at: at), NodeBuilder.scalar("script", at: at)),
                    (NodeBuilder.key("shell", at: at), NodeBuilder.scalar("bash", at: at)),
                    (
                        NodeBuilder.key("run", at: job.body["script"] ?? at),
                        NodeBuilder.scalar(body.joined(separator: "\n"), at: job.body["script"] ?? at)
                    ),
                ], at: job.body["script"] ?? at)
        ]
        if !after.isEmpty {
            let node = job.body["after_script"] ?? at
            steps.append(
                NodeBuilder.mapping(
                    [
                        (NodeBuilder.key("name", at: node), NodeBuilder.scalar("after_script", at: node)),
                        (NodeBuilder.key("if", at: node), NodeBuilder.scalar("always()", at: node)),
                        (NodeBuilder.key("continue-on-error", at: node), NodeBuilder.scalar("true", at: node)),
                        (NodeBuilder.key("timeout", at: node), NodeBuilder.scalar("5m", at: node)),
                        (NodeBuilder.key("shell", at: node), NodeBuilder.scalar("bash", at: node)),
                        (
                            NodeBuilder.key("run", at: node),
                            NodeBuilder.scalar(
                                (prologue + after.flatMap(Self.echoed)).joined(separator: "\n"), at: node)
                        ),
                    ], at: node))
        }
        return NodeBuilder.sequence(steps, at: at)
    }

    /// A script's commands: strings, or lists of them nested up to 10 deep (from `!reference`).
    private mutating func commands(_ node: Node?, what: String, depth: Int = 0) -> [String] {
        guard let node, !node.isNull else { return [] }
        switch node {
        case .scalar(let scalar): return [Template.literal(scalar.string)]
        case .sequence(let items):
            guard depth < 10 else {
                error(node, "\(what) lists are nested more than 10 deep")
                return []
            }
            return items.flatMap { commands($0, what: what, depth: depth + 1) }
        default:
            error(node, "\(what) must be a command or a list of commands, found \(node.kindName)")
            return []
        }
    }

    /// A command preceded by the line GitLab Runner shows for it (`$ command`).
    static func echoed(_ command: String) -> [String] {
        let lines = command.split(separator: "\n", omittingEmptySubsequences: true)
        let shown = lines.count > 1 ? "\(lines.first ?? "") # collapsed multi-line command" : String(lines.first ?? "")
        return ["printf '%s\\n' \(NodeBuilder.shellQuote("$ " + shown))", command]
    }

    /// A value with `$NAME`/`${NAME}` references as shell words that expand only those references
    /// (the rest is quoted: nothing in it is run).
    static func shellWords(_ value: String) -> String {
        var out = ""
        var literal = ""
        let scalars = Array(value.unicodeScalars)
        var index = 0
        func flush() {
            if !literal.isEmpty { out += NodeBuilder.shellQuote(literal) }
            literal = ""
        }
        while index < scalars.count {
            if scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "$" {
                literal += "$"
                index += 2
            } else if scalars[index] == "$", let (name, end) = GitLabVariables.reference(in: scalars, at: index) {
                flush()
                out += "\"${\(name)}\""
                index = end
            } else {
                literal.unicodeScalars.append(scalars[index])
                index += 1
            }
        }
        flush()
        return out.isEmpty ? "''" : out
    }
}
