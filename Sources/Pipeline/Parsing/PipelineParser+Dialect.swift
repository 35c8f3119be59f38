import GantryCore
import Yams

/// `dialect:` in a `gantry.yml`: the forge runtime a converted pipeline keeps (`gantry convert`).
///
/// ```yaml
/// dialect: github                     # or, with what the workflow's `on:` gave:
/// dialect:
///   github:
///     events: [push, pull_request]    # github.event_name is push when listed, else the first
///     inputs: {environment: staging}  # the inputs context (workflow_dispatch defaults)
/// ```
///
/// With `github`, the pipeline's steps get GitHub's expression contexts (`github`, `runner`, `vars`,
/// `inputs`, `strategy`, `job`), runner files (`GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`,
/// `GITHUB_STEP_SUMMARY`) and workflow commands, and each job reads the secrets its expressions name —
/// as the workflow it came from did.
struct GitHubDialect {
    var events: [String] = []
    var inputs: [String: String] = [:]

    static let keys = ["events", "inputs"]

    /// The dialect `node` names, or nil with what is wrong with it.
    static func read(_ node: Node, in document: YAMLDocument) -> (GitHubDialect?, [Diagnostic]) {
        func problem(_ at: Node, _ message: String) -> (GitHubDialect?, [Diagnostic]) {
            (nil, [Diagnostic(document.location(at), .error, message)])
        }
        let expected =
            "dialect must be 'github', 'gitlab', or a mapping {github: {events: […], inputs: {…}}} or {gitlab: {stages: […], workflow: {rules: […]}}}"
        if let name = node.scalar?.string {
            return name == "github" ? (GitHubDialect(), []) : problem(node, "unknown dialect '\(name)': \(expected)")
        }
        guard case .mapping(let mapping) = node, mapping.count == 1,
            let (key, body) = mapping.first.map({ ($0.key, $0.value) }),
            key.string == "github"
        else { return problem(node, expected) }
        var dialect = GitHubDialect()
        guard case .mapping(let settings) = body else {
            return body.isNull ? (dialect, []) : problem(body, "dialect.github must be a mapping of events and inputs")
        }
        for (settingKey, value) in settings {
            switch settingKey.string {
            case "events":
                guard case .sequence(let events) = value, events.allSatisfy({ $0.scalar != nil }) else {
                    return problem(value, "dialect.github.events must be a list of event names")
                }
                dialect.events = events.compactMap(\.string)
            case "inputs":
                guard case .mapping(let inputs) = value else {
                    return problem(value, "dialect.github.inputs must be a mapping of input names to values")
                }
                for (name, input) in inputs {
                    guard let name = name.string, let text = input.scalar?.string else {
                        return problem(input, "each of dialect.github.inputs must be a name and a string")
                    }
                    dialect.inputs[name] = text
                }
            default:
                let name = settingKey.string ?? ""
                return problem(
                    settingKey, "unknown key '\(name)' in dialect.github\(Suggestion.hint(for: name, in: keys))")
            }
        }
        return (dialect, [])
    }
}
