import GantryCore
import Yams

extension PipelineParser {
    mutating func parseJob(id: String, keyNode: Node, node: Node, defaults: Defaults) -> JobDefinition {
        var job = JobDefinition(id: id, location: document.location(keyNode), timeout: defaults.timeout)
        job.retry = defaults.retry
        job.workingDirectory = defaults.workingDirectory
        let pairs = mapping(node, allowed: Self.jobKeys, context: "job '\(id)'")
        if case .mapping = node, !pairs.contains(where: { $0.0 == "steps" }) {
            error(keyNode, "job '\(id)' has no 'steps:'")
        }
        // Matrix, needs, secrets and steps first: other fields' expressions are checked against them.
        for (key, _, value) in pairs {
            switch key {
            case "matrix":
                if Self.isComputed(value) {
                    job.computedMatrix = parseComputedMatrix(value, job: id)
                } else {
                    job.matrix = parseMatrix(value, job: id)
                }
            case "steps": job.steps = parseSteps(value, job: id, defaults: defaults)
            case "needs":
                job.needs = stringList(value, "job '\(id)' needs").map(\.0)
                for (name, item) in stringList(value, "job '\(id)' needs") {
                    needLocations.append((id, name, document.location(item)))
                }
            case "secrets":
                for (name, item) in stringList(value, "job '\(id)' secrets") {
                    if !EnvVar.isValidName(name) {
                        error(item, "secret name '\(name)' must be letters, digits and '_' and not start with a digit")
                    }
                    job.secrets.append(name)
                }
            default: break
            }
        }
        for (key, _, value) in pairs {
            let context = "job '\(id)'"
            switch key {
            case "name": job.name = string(value, "\(context) name")
            case "if":
                if let text = string(value, "\(context) if") {
                    job.condition = text
                    expectCondition(text, node: value, scope: ReferenceScope(field: .jobIf, job: id))
                }
            case "env": job.env = env(value, context: "\(context) env", scope: ReferenceScope(field: .jobEnv, job: id))
            case "timeout": job.timeout = duration(value, "\(context) timeout") ?? job.timeout
            case "retry": job.retry = parseRetry(value, context: "\(context) retry")
            case "continue-on-error":
                (job.continueOnError, job.continueOnErrorExpression) = continueOnError(
                    value, context: context, scope: ReferenceScope(field: .jobSetting, job: id))
            case "fail-fast":
                job.failFast = bool(value, "\(context) fail-fast") ?? false
                if job.matrix == nil && job.computedMatrix == nil {
                    error(value, "\(context) has fail-fast but no matrix (it cancels the other jobs of a matrix)")
                }
            case "max-parallel":
                if let text = value.scalar?.string, let count = Int(text), count >= 1 {
                    job.maxParallel = count
                } else {
                    error(value, "\(context) max-parallel must be a whole number of at least 1")
                }
                if job.matrix == nil && job.computedMatrix == nil {
                    error(value, "\(context) has max-parallel but no matrix (it bounds the jobs of a matrix)")
                }
            case "paths": job.paths = globs(value, "\(context) paths")
            case "paths-ignore": job.pathsIgnore = globs(value, "\(context) paths-ignore")
            case "inputs": job.inputs = globs(value, "\(context) inputs")
            case "cache": job.cache = parseCache(value, job: id)
            case "artifacts": job.artifacts = parseArtifacts(value, job: id)
            case "resource-group":
                if let name = string(value, "\(context) resource-group") {
                    if name.isEmpty || name.count > 255 {
                        error(value, "\(context) resource-group must be a name of 1 to 255 characters")
                    } else {
                        job.resourceGroup = name
                    }
                }
            case "environment":
                job.environment = parseJobEnvironment(value, job: id, steps: job.steps.compactMap(\.id))
            case "working-directory":
                job.workingDirectory = string(value, "\(context) working-directory")
                if let text = job.workingDirectory {
                    expectTemplate(text, node: value, scope: ReferenceScope(field: .jobSetting, job: id))
                }
            case "outputs":
                let visible = job.steps.compactMap(\.id)
                for (name, _, valueNode) in mapping(value, allowed: nil, context: "\(context) outputs") {
                    guard let template = string(valueNode, "\(context) outputs.\(name)") else { continue }
                    expectTemplate(
                        template, node: valueNode,
                        scope: ReferenceScope(field: .jobOutputs, job: id, visibleSteps: visible))
                    job.outputs.append((name, template))
                }
            default: break
            }
        }
        return job
    }

    /// A job's `environment:`: a name, or `{name, url}`. Either may use expressions; the url is known
    /// when the job ends, so it may read the job's `steps` (`${{ steps.deployment.outputs.page_url }}`).
    mutating func parseJobEnvironment(_ node: Node, job: String, steps: [String]) -> JobEnvironment? {
        let context = "job '\(job)' environment"
        var nameNode = node
        var url: String?
        if case .mapping = node {
            let pairs = mapping(node, allowed: ["name", "url"], context: context)
            guard let named = pairs.first(where: { $0.0 == "name" }) else {
                error(node, "\(context) needs a name (environment: NAME, or {name: NAME, url: URL})")
                return nil
            }
            nameNode = named.2
            if let urlNode = pairs.first(where: { $0.0 == "url" })?.2, let text = string(urlNode, "\(context) url") {
                expectTemplate(
                    text, node: urlNode, scope: ReferenceScope(field: .jobOutputs, job: job, visibleSteps: steps))
                url = text
            }
        }
        guard let name = string(nameNode, "\(context) name") else { return nil }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 255 else {
            error(nameNode, "\(context) must be a name of 1 to 255 characters")
            return nil
        }
        expectTemplate(trimmed, node: nameNode, scope: ReferenceScope(field: .jobSetting, job: job))
        return JobEnvironment(name: trimmed, url: url, location: document.location(nameNode))
    }

    /// `continue-on-error` of a job or a step: a boolean, or an expression decided when it runs.
    mutating func continueOnError(_ node: Node, context: String, scope: ReferenceScope) -> (Bool, String?) {
        guard let text = node.scalar?.string, Template.containsExpression(text) else {
            return (bool(node, "\(context) continue-on-error") ?? false, nil)
        }
        expectCondition(text, node: node, scope: scope)
        return (false, text)
    }

    /// Globs relative to the workspace; absolute patterns and `..` segments are refused.
    mutating func globs(_ node: Node, _ what: String) -> [Glob] {
        var result: [Glob] = []
        for (pattern, item) in stringList(node, what) {
            let bare = pattern.hasPrefix("!") ? String(pattern.dropFirst()) : pattern
            if bare.hasPrefix("/") || bare.split(separator: "/").contains("..") {
                error(item, "\(what): '\(pattern)' must stay inside the workspace (no leading '/' or '..')")
                continue
            }
            result.append(Glob(pattern))
        }
        return result
    }

    mutating func parseArtifacts(_ node: Node, job: String) -> ArtifactSpec? {
        let context = "job '\(job)' artifacts"
        var name: String?
        var paths: [Glob] = []
        var exclude: [Glob] = []
        var when = ArtifactSpec.When.onSuccess
        for (key, _, value) in mapping(node, allowed: Self.artifactKeys, context: context) {
            switch key {
            case "name":
                name = string(value, "\(context).name")
                if let name {
                    expectTemplate(name, node: value, scope: ReferenceScope(field: .jobSetting, job: job))
                    if name.isEmpty || name.contains("/") || name.contains("\u{0}") {
                        error(value, "\(context).name '\(name)' must be non-empty and hold no '/'")
                    }
                }
            case "paths":
                paths = globs(value, "\(context).paths")
                for path in paths where path.pattern.hasPrefix("!") {
                    error(value, "\(context).paths: '\(path.pattern)': exclusions are not supported; list what to keep")
                }
            case "exclude":
                exclude = globs(value, "\(context).exclude")
            case "when":
                guard let text = string(value, "\(context).when") else { continue }
                if let parsed = ArtifactSpec.When(rawValue: text) {
                    when = parsed
                } else {
                    error(
                        value,
                        "\(context).when must be one of \(ArtifactSpec.When.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'"
                    )
                }
            default: break
            }
        }
        guard case .mapping = node else { return nil }
        if paths.isEmpty { error(node, "\(context) needs 'paths:' (the files to hand on)") }
        return ArtifactSpec(name: name, paths: paths, exclude: exclude, when: when)
    }

    mutating func parseCache(_ node: Node, job: String) -> CacheSpec? {
        var key: String?
        var paths: [String] = []
        var restoreKeys: [String] = []
        var policy = CacheSpec.Policy.pullPush
        for (name, _, value) in mapping(node, allowed: Self.cacheKeys, context: "job '\(job)' cache") {
            switch name {
            case "policy":
                guard let text = string(value, "job '\(job)' cache.policy") else { continue }
                if let parsed = CacheSpec.Policy(rawValue: text) {
                    policy = parsed
                } else {
                    error(value, "job '\(job)' cache.policy must be pull, push or pull-push, found '\(text)'")
                }
            case "key":
                key = string(value, "job '\(job)' cache.key")
                if let key { expectTemplate(key, node: value, scope: ReferenceScope(field: .cacheKey, job: job)) }
            case "paths": paths = stringList(value, "job '\(job)' cache.paths").map(\.0)
            case "restore-keys":
                // GitHub's form: a list, or one prefix per line of a block string.
                let entries = stringList(value, "job '\(job)' cache.restore-keys").flatMap {
                    $0.0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                }
                restoreKeys = entries.filter { !$0.isEmpty }
                for prefix in restoreKeys {
                    expectTemplate(prefix, node: value, scope: ReferenceScope(field: .cacheKey, job: job))
                }
            default: break
            }
        }
        guard case .mapping = node else { return nil }
        guard let key else {
            error(node, "job '\(job)' cache needs 'key:'")
            return nil
        }
        if paths.isEmpty { error(node, "job '\(job)' cache needs 'paths:' (what to save and restore)") }
        for path in paths where path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            error(node, "job '\(job)' cache path '\(path)' must stay inside the workspace")
        }
        return CacheSpec(key: key, paths: paths, restoreKeys: restoreKeys, policy: policy)
    }

    mutating func parseSteps(_ node: Node, job: String, defaults: Defaults) -> [StepDefinition] {
        guard case .sequence(let sequence) = node else {
            error(node, "job '\(job)' steps must be a list, found \(node.kindName)")
            return []
        }
        if sequence.isEmpty { error(node, "job '\(job)' has an empty steps list") }
        var steps: [StepDefinition] = []
        var seenIDs: [String: SourceLocation] = [:]
        for (index, item) in sequence.enumerated() {
            let context = "job '\(job)' step \(index + 1)"
            var step = StepDefinition(location: document.location(item))
            step.shell = defaults.shell
            let visible = steps.compactMap(\.id)
            let scope = ReferenceScope(field: .step, job: job, visibleSteps: visible)
            let pairs = mapping(item, allowed: Self.stepKeys, context: context)
            for (key, keyNode, value) in pairs {
                switch key {
                case "name":
                    step.name = string(value, "\(context) name")
                    if let name = step.name { expectTemplate(name, node: value, scope: scope) }
                case "id":
                    guard let id = string(value, "\(context) id") else { continue }
                    if !JobDefinition.isValidID(id) {
                        error(
                            value,
                            "step id '\(id)' must start with a letter or '_' and contain only letters, digits, '-' and '_'"
                        )
                    }
                    if let first = seenIDs[id] {
                        error(
                            value,
                            "duplicate step id '\(id)' in job '\(job)' (first used at \(first.line):\(first.column))")
                    }
                    seenIDs[id] = document.location(value)
                    step.id = id
                case "run":
                    step.run = string(value, "\(context) run")
                    if let run = step.run { expectTemplate(run, node: value, scope: scope) }
                case "shell": step.shell = string(value, "\(context) shell")
                case "uses":
                    step.uses = string(value, "\(context) uses")
                    if let uses = step.uses, !uses.hasPrefix("gantry/") || uses.count <= "gantry/".count {
                        error(value, "\(context) uses '\(uses)': only built-in actions 'gantry/<name>' are supported")
                    }
                case "with":
                    for (name, _, valueNode) in mapping(value, allowed: nil, context: "\(context) with") {
                        guard case .scalar(let scalar) = valueNode else {
                            error(valueNode, "\(context) with.\(name) must be a string, found \(valueNode.kindName)")
                            continue
                        }
                        expectTemplate(scalar.string, node: valueNode, scope: scope)
                        step.with.append((name, valueNode.isNull ? "" : scalar.string))
                    }
                case "env": step.env = env(value, context: "\(context) env", scope: scope)
                case "if":
                    if let text = string(value, "\(context) if") {
                        step.condition = text
                        var ifScope = scope
                        ifScope.field = .stepIf
                        expectCondition(text, node: value, scope: ifScope)
                    }
                case "timeout": step.timeout = duration(value, "\(context) timeout")
                case "continue-on-error":
                    (step.continueOnError, step.continueOnErrorExpression) = continueOnError(
                        value, context: context, scope: scope)
                case "working-directory":
                    step.workingDirectory = string(value, "\(context) working-directory")
                    if let dir = step.workingDirectory { expectTemplate(dir, node: value, scope: scope) }
                default: _ = keyNode
                }
            }
            if case .mapping = item {
                if step.run == nil && step.uses == nil {
                    error(item, "\(context) needs 'run:' or 'uses:'")
                } else if step.run != nil && step.uses != nil {
                    error(item, "\(context) has both 'run:' and 'uses:'; a step does one or the other")
                }
                if step.uses != nil && step.shell != nil && pairs.contains(where: { $0.0 == "shell" }) {
                    error(item, "\(context): 'shell:' applies to 'run:' steps only")
                }
                // Values can reach a POSIX shell as variables; any other interpreter would get them as code.
                if let run = step.run, Template.containsExpression(run), let shell = step.shell,
                    let program = shell.split(separator: " ").first?.split(separator: "/").last,
                    !ShellTemplate.posixShells.contains(String(program)),
                    let runNode = pairs.first(where: { $0.0 == "run" })?.2
                {
                    let first = (try? Template.placeholders(in: run))?.first?.text ?? " … "
                    error(
                        runNode,
                        "\(context): \(ShellTemplate.Refusal(expression: first, reason: "would be pasted into a '\(shell)' script as code"))"
                    )
                }
            }
            steps.append(step)
        }
        return steps
    }
}
