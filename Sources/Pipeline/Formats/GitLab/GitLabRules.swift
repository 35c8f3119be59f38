import Foundation
import GantryCore
import Yams

/// A problem with a rule, at its node.
struct GitLabRuleProblem: Error {
    let node: Node
    let message: String
}

/// The conditions of one `rules:` entry (`if`, `changes`, `exists`), for jobs, `workflow:rules` and
/// `include:rules`: a rule matches when every condition it has holds.
struct GitLabRuleConditions {
    let variables: [String: String]
    /// nil: unknown, and `changes` then holds (GitLab's rule for pipelines without a push to compare).
    let changedFiles: [String]?
    let repositoryRoot: URL?

    static let ruleKeys: Set<String> = [
        "if", "changes", "exists", "when", "allow_failure", "variables", "needs", "start_in", "interruptible",
    ]

    func matches(_ rule: Node) -> Result<Bool, GitLabRuleProblem> {
        guard case .mapping(let mapping) = rule else {
            return .failure(
                GitLabRuleProblem(node: rule, message: "each rule must be a mapping (if, changes, exists, when…)"))
        }
        for key in mapping.keys {
            guard let name = key.string, Self.ruleKeys.contains(name) else {
                return .failure(
                    GitLabRuleProblem(
                        node: key,
                        message:
                            "unknown key '\(key.string ?? "")' in a rule\(Suggestion.hint(for: key.string ?? "", in: Self.ruleKeys.sorted()))"
                    ))
            }
        }
        if let condition = rule["if"] {
            guard let text = condition.string else {
                return .failure(GitLabRuleProblem(node: condition, message: "if must be an expression string"))
            }
            do {
                if !(try GitLabExpression(text).evaluate(variables)) { return .success(false) }
            } catch {
                return .failure(
                    GitLabRuleProblem(node: condition, message: "invalid expression in if: \(error.message)"))
            }
        }
        if let changes = rule["changes"] {
            switch globs(changes["paths"] ?? changes, what: "changes") {
            case .failure(let problem): return .failure(problem)
            case .success(let globs):
                if let changedFiles, !changedFiles.contains(where: { file in globs.contains { $0.matches(file) } }) {
                    return .success(false)
                }
            }
        }
        if let exists = rule["exists"] {
            switch globs(exists["paths"] ?? exists, what: "exists") {
            case .failure(let problem): return .failure(problem)
            case .success(let globs):
                guard let root = repositoryRoot, !FileWalker.files(under: root, matching: globs).isEmpty else {
                    return .success(false)
                }
            }
        }
        return .success(true)
    }

    /// The patterns of `changes`/`exists` (variables expanded, `{a,b}` alternatives spelled out).
    func globs(_ node: Node, what: String) -> Result<[Glob], GitLabRuleProblem> {
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        default: return .failure(GitLabRuleProblem(node: node, message: "\(what) must be a list of paths"))
        }
        var globs: [Glob] = []
        for item in items {
            guard let pattern = item.string else {
                return .failure(GitLabRuleProblem(node: item, message: "each entry of \(what) must be a path pattern"))
            }
            var expanded = GitLabVariables.expand(pattern, variables)
            while expanded.hasPrefix("/") { expanded.removeFirst() }
            globs += Self.braces(expanded).map(Glob.init)
        }
        return .success(globs)
    }

    /// `a/{b,c}/*.rb` as `a/b/*.rb` and `a/c/*.rb` (File.fnmatch's FNM_EXTGLOB, as GitLab matches),
    /// at most 64 alternatives.
    static func braces(_ pattern: String) -> [String] {
        guard let open = pattern.firstIndex(of: "{"),
            let close = pattern[open...].firstIndex(of: "}")
        else { return [pattern] }
        let head = pattern[..<open]
        let tail = String(pattern[pattern.index(after: close)...])
        let choices = pattern[pattern.index(after: open)..<close].split(
            separator: ",", omittingEmptySubsequences: false)
        var out: [String] = []
        for choice in choices {
            for rest in braces(tail) where out.count < 64 { out.append(head + choice + rest) }
        }
        return out
    }
}

/// What a job's `rules:` (or `only:`/`except:`) decide for this pipeline.
struct GitLabJobOutcome {
    /// `on_success`, `on_failure`, `always`, `manual`, `delayed`.
    var when: String
    var allowFailure: Bool?
    var variables: [(Node, Node)] = []
    /// `rules:needs` replacing the job's.
    var needs: Node?
    /// Why the job is not in the pipeline (nil: it is).
    var excluded: String?
}

extension GitLabRuleConditions {
    /// The first matching rule's outcome; a job whose rules match nothing is not in the pipeline.
    func outcome(rules node: Node, jobWhen: String) -> Result<GitLabJobOutcome, GitLabRuleProblem> {
        guard case .sequence(let rules) = node else {
            return .failure(GitLabRuleProblem(node: node, message: "rules must be a list of rules"))
        }
        for (index, rule) in rules.enumerated() {
            switch matches(rule) {
            case .failure(let problem): return .failure(problem)
            case .success(false): continue
            case .success(true):
                let when = rule["when"]?.string ?? jobWhen
                guard GitLabCITranslator.whenValues.contains(when) else {
                    return .failure(
                        GitLabRuleProblem(
                            node: rule["when"] ?? rule,
                            message:
                                "unknown when '\(when)' (expected \(GitLabCITranslator.whenValues.joined(separator: ", ")))"
                        ))
                }
                var outcome = GitLabJobOutcome(when: when)
                if when == "never" { outcome.excluded = "rules: rule \(index + 1) says when: never" }
                if let allow = rule["allow_failure"] {
                    guard let value = GitLabCITranslator.bool(allow) else {
                        return .failure(GitLabRuleProblem(node: allow, message: "allow_failure must be true or false"))
                    }
                    outcome.allowFailure = value
                }
                if let variables = rule["variables"] {
                    guard case .mapping(let pairs) = variables else {
                        return .failure(
                            GitLabRuleProblem(node: variables, message: "rules variables must be a mapping"))
                    }
                    outcome.variables = Array(pairs)
                }
                outcome.needs = rule["needs"]
                return .success(outcome)
            }
        }
        return .success(GitLabJobOutcome(when: "never", excluded: "rules: no rule matches this pipeline"))
    }

    /// What a job's `rules:` (or else `only:`/`except:`) decide. Whether it may fail: the matching
    /// rule's `allow_failure`, else the job's own (`jobAllowFailure`), else GitLab's default (a manual
    /// job may fail, unless it was made manual by a rule).
    func jobOutcome(
        rules: Node?, only: Node?, except: Node?, jobWhen: String, jobAllowFailure: Bool?, trigger: PipelineTrigger
    ) -> Result<GitLabJobOutcome, GitLabRuleProblem> {
        let decided: Result<GitLabJobOutcome, GitLabRuleProblem>
        if let rules {
            if let filter = only ?? except {
                return .failure(
                    GitLabRuleProblem(
                        node: filter, message: "rules cannot be used with only/except; use one or the other"))
            }
            decided = outcome(rules: rules, jobWhen: jobWhen)
        } else {
            decided = outcome(only: only, except: except, jobWhen: jobWhen, trigger: trigger)
        }
        return decided.map { outcome in
            var outcome = outcome
            outcome.allowFailure =
                outcome.allowFailure ?? jobAllowFailure ?? (rules == nil && outcome.when == "manual")
            return outcome
        }
    }

    /// `only:`/`except:` (refs, variables, changes): the job is in the pipeline when `only` matches
    /// (default: branches and tags) and `except` does not.
    func outcome(
        only: Node?, except: Node?, jobWhen: String, trigger: PipelineTrigger
    ) -> Result<GitLabJobOutcome, GitLabRuleProblem> {
        var outcome = GitLabJobOutcome(when: jobWhen)
        if jobWhen == "never" { outcome.excluded = "when: never" }
        let onlyMatch: Bool
        if let only {
            switch filterMatches(only, trigger: trigger) {
            case .failure(let problem): return .failure(problem)
            case .success(let value): onlyMatch = value
            }
        } else {
            onlyMatch = trigger.branch != nil || trigger.tag != nil
        }
        if !onlyMatch {
            outcome.excluded = "only: does not match this pipeline"
            return .success(outcome)
        }
        if let except {
            switch filterMatches(except, trigger: trigger) {
            case .failure(let problem): return .failure(problem)
            case .success(true): outcome.excluded = "except: matches this pipeline"
            case .success(false): break
            }
        }
        return .success(outcome)
    }

    /// One `only`/`except` value: a list of refs, or a mapping whose keys must all match.
    private func filterMatches(_ node: Node, trigger: PipelineTrigger) -> Result<Bool, GitLabRuleProblem> {
        switch node {
        case .sequence, .scalar: return refsMatch(node, trigger: trigger)
        case .mapping(let mapping):
            for (key, value) in mapping {
                let result: Result<Bool, GitLabRuleProblem>
                switch key.string {
                case "refs": result = refsMatch(value, trigger: trigger)
                case "variables":
                    var any = false
                    for item in value.sequence ?? [value] {
                        guard let text = item.string else {
                            return .failure(
                                GitLabRuleProblem(node: item, message: "each variables entry must be an expression"))
                        }
                        do {
                            if try GitLabExpression(text).evaluate(variables) { any = true }
                        } catch {
                            return .failure(
                                GitLabRuleProblem(node: item, message: "invalid expression: \(error.message)"))
                        }
                    }
                    result = .success(any)
                case "changes": result = matches(Self.ruleNode("changes", value))
                case "kubernetes": result = .success(false)
                default:
                    return .failure(
                        GitLabRuleProblem(
                            node: key,
                            message:
                                "unknown key '\(key.string ?? "")' (expected refs, variables, changes or kubernetes)"))
                }
                switch result {
                case .failure: return result
                case .success(false): return .success(false)
                case .success(true): continue
                }
            }
            return .success(true)
        default:
            return .failure(GitLabRuleProblem(node: node, message: "only/except must be a list of refs or a mapping"))
        }
    }

    private func refsMatch(_ node: Node, trigger: PipelineTrigger) -> Result<Bool, GitLabRuleProblem> {
        let refName = trigger.tag ?? trigger.branch ?? ""
        for item in node.sequence ?? [node] {
            guard var text = item.string else {
                return .failure(GitLabRuleProblem(node: item, message: "each ref must be a string"))
            }
            if let at = text.firstIndex(of: "@"), !text.hasPrefix("/") { text = String(text[..<at]) }
            let matched: Bool
            switch text {
            case "branches": matched = trigger.branch != nil && trigger.tag == nil
            case "tags": matched = trigger.tag != nil
            case "merge_requests": matched = trigger.source == "merge_request_event"
            case "pushes": matched = trigger.source == "push"
            case "schedules": matched = trigger.source == "schedule"
            case "web", "api", "chat", "external", "external_pull_requests":
                matched = trigger.source == text
            case "triggers": matched = trigger.source == "trigger"
            case "pipelines": matched = trigger.source == "pipeline" || trigger.source == "parent_pipeline"
            default:
                if text.hasPrefix("/"), text.count > 1 {
                    do {
                        matched = try GitLabExpression.regex(fromVariable: text).matches(refName)
                    } catch {
                        return .failure(GitLabRuleProblem(node: item, message: "invalid regular expression: \(error)"))
                    }
                } else {
                    matched = text == refName
                }
            }
            if matched { return .success(true) }
        }
        return .success(false)
    }

    private static func ruleNode(_ key: String, _ value: Node) -> Node {
        .mapping(
            Node.Mapping(
                [(.scalar(Node.Scalar(key, .implicit, .plain, value.mark)), value)], .implicit, .block, value.mark))
    }
}
