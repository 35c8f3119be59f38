import Foundation
import GantryCore
import Yams

extension PipelineParser {
    mutating func parseTop(digest: Digest) -> PipelineDefinition {
        let fallbackName = URL(fileURLWithPath: document.file).deletingLastPathComponent().lastPathComponent
        var definition = PipelineDefinition(
            name: fallbackName.isEmpty ? "pipeline" : fallbackName, file: document.file, fileDigest: digest, env: [],
            defaults: Defaults(), jobs: [], environments: [], reserved: [:])
        guard let root = document.root, !root.isNull else {
            error(
                at: SourceLocation(file: document.file, line: 1, column: 1),
                "the pipeline file is empty (expected a mapping with 'jobs:')")
            return definition
        }
        let pairs = mapping(root, allowed: Self.topKeys, context: "the pipeline")
        if case .mapping = root, !pairs.contains(where: { $0.0 == "jobs" }) {
            error(root, "the pipeline has no 'jobs:' section")
        }
        // Defaults first: jobs inherit from them whatever the key order.
        for (key, _, value) in pairs where key == "defaults" { definition.defaults = parseDefaults(value) }
        for (key, _, value) in pairs {
            switch key {
            case "name": definition.name = string(value, "name") ?? definition.name
            case "env": definition.env = env(value, context: "env", scope: ReferenceScope(field: .pipelineEnv))
            case "jobs": definition.jobs = parseJobs(value, defaults: definition.defaults)
            case "environments": definition.environments = parseEnvironments(value)
            case "artifacts": definition.reserved[key] = Self.generic(value)
            default: break
            }
        }
        return definition
    }

    mutating func parseDefaults(_ node: Node) -> Defaults {
        var defaults = Defaults()
        for (key, _, value) in mapping(node, allowed: Self.defaultsKeys, context: "defaults") {
            switch key {
            case "timeout": defaults.timeout = duration(value, "defaults.timeout") ?? defaults.timeout
            case "retry": defaults.retry = parseRetry(value, context: "defaults.retry")
            case "shell": defaults.shell = string(value, "defaults.shell")
            case "working-directory": defaults.workingDirectory = string(value, "defaults.working-directory")
            default: break
            }
        }
        return defaults
    }

    mutating func parseJobs(_ node: Node, defaults: Defaults) -> [JobDefinition] {
        let pairs = mapping(node, allowed: nil, context: "jobs")
        if case .mapping = node, pairs.isEmpty { error(node, "'jobs:' is empty: define at least one job") }
        var jobs: [JobDefinition] = []
        for (id, keyNode, value) in pairs {
            if !JobDefinition.isValidID(id) {
                error(
                    keyNode,
                    "job id '\(id)' must start with a letter or '_' and contain only letters, digits, '-' and '_'")
            }
            jobs.append(parseJob(id: id, keyNode: keyNode, node: value, defaults: defaults))
        }
        return jobs
    }

    mutating func parseRetry(_ node: Node, context: String) -> RetryPolicy? {
        if case .scalar(let scalar) = node, let count = Int(scalar.string) {
            guard count >= 0, count <= 100 else {
                error(node, "\(context) must be between 0 and 100, found \(count)")
                return nil
            }
            return RetryPolicy(max: count)
        }
        var policy = RetryPolicy(max: 0)
        var sawMax = false
        for (key, keyNode, value) in mapping(node, allowed: Self.retryKeys, context: context) {
            switch key {
            case "max":
                sawMax = true
                guard case .scalar(let scalar) = value, let count = Int(scalar.string), count >= 0, count <= 100 else {
                    error(value, "\(context).max must be a whole number from 0 to 100, found \(value.kindName)")
                    continue
                }
                policy.max = count
            case "backoff": policy.backoff = duration(value, "\(context).backoff") ?? policy.backoff
            case "max-backoff": policy.maxBackoff = duration(value, "\(context).max-backoff") ?? policy.maxBackoff
            case "on":
                for (text, item) in stringList(value, "\(context).on") {
                    if let condition = Self.retryCondition(text) {
                        policy.on.append(condition)
                    } else {
                        error(
                            item,
                            "\(context).on: unknown condition '\(text)' (expected failure, timeout, exit-code:<n> or signal:<name>)"
                        )
                    }
                }
            default: _ = keyNode
            }
        }
        if case .mapping = node, !sawMax { error(node, "\(context) needs 'max:' (the number of retries)") }
        return policy
    }

    static func retryCondition(_ text: String) -> RetryCondition? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "failure": return .failure
        case "timeout": return .timeout
        default: break
        }
        if trimmed.hasPrefix("exit-code:"), let code = Int32(trimmed.dropFirst("exit-code:".count)), code > 0,
            code < 256
        {
            return .exitCode(code)
        }
        if trimmed.hasPrefix("signal:"), let number = SignalNames.number(of: String(trimmed.dropFirst("signal:".count)))
        {
            return .signal(number)
        }
        return nil
    }

    static func generic(_ node: Node) -> YAMLValue {
        switch node {
        case .scalar(let scalar): return node.isNull ? .null : .scalar(scalar.string)
        case .sequence(let sequence): return .sequence(sequence.map(generic))
        case .mapping(let mapping): return .mapping(mapping.map { ($0.key.string ?? "", generic($0.value)) })
        case .alias: return .null
        }
    }
}

extension JobDefinition {
    /// Job ids: a letter or `_`, then letters, digits, `-`, `_`.
    static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return id.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }
}
