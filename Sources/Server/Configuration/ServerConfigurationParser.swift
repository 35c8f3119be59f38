import Foundation
import GantryCore
import Yams

/// `server.yml` → `ServerConfiguration`, with every problem as file:line:col. Secrets are named, never
/// written inline: `webhook_secret: {env: NAME}` or `{file: PATH}`.
struct ServerConfigurationParser {
    let file: String
    let environment: [String: String]
    private var problems: [Diagnostic] = []
    private var secretNames: Set<String> = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    func parse(_ text: String) throws -> ServerConfiguration {
        var parser = self
        let node: Node?
        do {
            node = try BoundedYAML.compose(text)
        } catch let error as BoundedYAML.TooLarge {
            throw DiagnosticsError([Diagnostic(location(error.line, error.column), .error, error.message)])
        } catch let error as YamlError {
            throw DiagnosticsError([Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "\(error)")])
        }
        guard let node, let mapping = node.mapping else {
            throw DiagnosticsError([
                Diagnostic(
                    SourceLocation(file: file, line: 1, column: 1), .error, "expected a mapping with 'projects:'")
            ])
        }
        var configuration = parser.configuration(mapping, at: node)
        configuration.secretEnvironmentNames = parser.secretNames
        if !parser.problems.isEmpty { throw DiagnosticsError(parser.problems.sorted { $0.location < $1.location }) }
        return configuration
    }

    private mutating func configuration(_ mapping: Node.Mapping, at node: Node) -> ServerConfiguration {
        var configuration = ServerConfiguration(projects: [])
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "projects":
                guard let sequence = value.sequence else {
                    problem(value, "'projects' must be a list of projects")
                    continue
                }
                for item in sequence {
                    if let project = project(item) { configuration.projects.append(project) }
                }
            case "workers":
                if let count = integer(value, key, in: 1...64) { configuration.workers = count }
            case "max_body_size":
                if let size = integer(value, key, in: 1024...(64 << 20)) { configuration.maxBodySize = size }
            case "public_metrics":
                if let flag = value.bool {
                    configuration.publicMetrics = flag
                } else {
                    problem(value, "'public_metrics' must be true or false")
                }
            case "shutdown_grace":
                do {
                    configuration.shutdownGrace = try DurationParser.parse(value.string ?? "")
                } catch {
                    problem(value, "shutdown_grace: \(error.description)")
                }
            case "environments":
                configuration.permissions = permissions(value)
                configuration.environmentOrder = value.mapping?.compactMap { $0.key.string } ?? []
            case "notifications":
                guard let sequence = value.sequence else {
                    problem(value, "'notifications' must be a list of {kind, url, events} entries")
                    continue
                }
                configuration.notifiers = sequence.compactMap { notifier($0) }
            case "alertmanager_token":
                if let token = secret(value, what: "the Alertmanager token") {
                    configuration.alertmanagerToken = token
                }
            case "rollback_window":
                do {
                    configuration.rollbackWindow = try DurationParser.parse(value.string ?? "")
                } catch {
                    problem(value, "rollback_window: \(error.description)")
                }
            default:
                problem(
                    keyNode,
                    "unknown key '\(key)' (expected projects, environments, notifications, alertmanager_token, rollback_window, "
                        + "workers, max_body_size, public_metrics, shutdown_grace)")
            }
        }
        if node["projects"] == nil { problem(node, "missing 'projects': list the projects to serve") }
        var seen = Set<String>()
        for project in configuration.projects where !seen.insert(project.name).inserted {
            problem(node, "project '\(project.name)' is listed twice")
        }
        return configuration
    }

    private mutating func project(_ node: Node) -> ProjectConfiguration? {
        guard let mapping = node.mapping else {
            problem(node, "a project must be a mapping with name, repository and pipeline")
            return nil
        }
        var name: String?
        var repository: String?
        var pipeline = "gantry.yml"
        var secret: String?
        var branches: [String]?
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "name":
                if let text = value.string, ProjectConfiguration.isValidName(text) {
                    name = text
                } else {
                    problem(value, "project name must match [a-z0-9][a-z0-9._-]* (at most 64 characters)")
                }
            case "repository":
                if let text = value.string, !text.isEmpty, !text.hasPrefix("-") {
                    repository = text
                } else {
                    problem(value, "'repository' must be a path or URL git can fetch")
                }
            case "pipeline":
                if let text = value.string, Self.isRelativeInside(text) {
                    pipeline = text
                } else {
                    problem(value, "'pipeline' must be a path inside the repository (relative, no '..')")
                }
            case "webhook_secret":
                secret = self.secret(value, what: "the webhook secret")
            case "branches":
                if let list = value.sequence?.compactMap(\.string), list.count == value.sequence?.count {
                    branches = list
                } else {
                    problem(value, "'branches' must be a list of branch names")
                }
            default:
                problem(
                    keyNode,
                    "unknown project key '\(key)' (expected name, repository, pipeline, webhook_secret, branches)")
            }
        }
        if name == nil && node["name"] == nil { problem(node, "a project needs a 'name'") }
        if repository == nil && node["repository"] == nil { problem(node, "a project needs a 'repository'") }
        guard let name, let repository else { return nil }
        return ProjectConfiguration(
            name: name, repository: repository, pipeline: pipeline, webhookSecret: secret, branches: branches)
    }

    /// A secret named by its source, `{env: NAME}` or `{file: PATH}`; never written inline.
    private mutating func secret(_ node: Node, what: String) -> String? {
        if node.string != nil {
            problem(node, "write the source of \(what), not the secret: {env: NAME} or {file: PATH}")
            return nil
        }
        guard let mapping = node.mapping, mapping.count == 1, let (keyNode, value) = mapping.first,
            let source = value.string
        else {
            problem(node, "\(what) must be given as {env: NAME} or {file: PATH}")
            return nil
        }
        switch keyNode.string {
        case "env":
            guard let secret = environment[source], !secret.isEmpty else {
                problem(value, "environment variable \(source) (\(what)) is not set")
                return nil
            }
            secretNames.insert(source)
            return secret
        case "file":
            guard let data = FileManager.default.contents(atPath: source), data.count <= 4096,
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !text.isEmpty
            else {
                problem(value, "cannot read \(what) from \(source) (a non-empty file of at most 4 KiB)")
                return nil
            }
            return text
        default:
            problem(keyNode, "\(what) must be given as {env: NAME} or {file: PATH}")
            return nil
        }
    }

    /// `{kind: slack|webhook|github-status, url: …, events: [...], secret: {env: …}, repository: OWNER/REPO}`.
    /// A Slack URL is itself a secret: it must be given as `{env: NAME}` or `{file: PATH}`.
    private mutating func notifier(_ node: Node) -> Notifier? {
        guard let mapping = node.mapping else {
            problem(node, "a notification target must be a mapping with kind and url")
            return nil
        }
        var kind: Notifier.Kind?
        var url: URL?
        var events: Set<String>?
        var secret: String?
        var repository: String?
        for (keyNode, value) in mapping {
            switch keyNode.string ?? "" {
            case "kind":
                kind = value.string.flatMap(Notifier.Kind.init(rawValue:))
                if kind == nil {
                    problem(
                        value, "kind must be one of \(Notifier.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "url":
                let text = value.string != nil ? value.string : self.secret(value, what: "the notification URL")
                if let text, let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme ?? "") {
                    url = parsed
                } else if value.string != nil {
                    problem(value, "url must be an http or https URL")
                }
            case "events":
                if let list = value.sequence?.compactMap(\.string), list.count == value.sequence?.count {
                    events = Set(list)
                } else {
                    problem(value, "'events' must be a list of event types")
                }
            case "secret", "token":
                secret = self.secret(value, what: "the notification \(keyNode.string ?? "secret")")
            case "repository":
                repository = value.string
            default:
                problem(
                    keyNode,
                    "unknown notification key '\(keyNode.string ?? "")' (expected kind, url, events, secret, repository)"
                )
            }
        }
        if kind == .slack, let urlNode = node["url"], urlNode.string != nil {
            problem(urlNode, "a Slack webhook URL is a secret: write url: {env: NAME} or {file: PATH}")
            return nil
        }
        if kind == .githubStatus && (repository == nil || secret == nil) {
            problem(node, "github-status needs repository: OWNER/REPO and token: {env: NAME}")
            return nil
        }
        guard let kind, let url else {
            if node["kind"] == nil || node["url"] == nil { problem(node, "a notification target needs kind and url") }
            return nil
        }
        return Notifier(kind: kind, url: url, events: events, secret: secret, repository: repository)
    }

    /// `environments: {prod: {promote: [alice], approve: [bob, carol], rollback: ["*"]}}`.
    private mutating func permissions(_ node: Node) -> [String: EnvironmentPermissions] {
        guard let mapping = node.mapping else {
            problem(node, "'environments' must map environment names to {promote, approve, rollback} lists")
            return [:]
        }
        var result: [String: EnvironmentPermissions] = [:]
        for (nameNode, rules) in mapping {
            guard let name = nameNode.string, !name.isEmpty else { continue }
            guard let ruleMapping = rules.mapping else {
                problem(rules, "environment '\(name)' needs a mapping of promote, approve and rollback lists")
                continue
            }
            var permissions = EnvironmentPermissions()
            for (keyNode, value) in ruleMapping {
                guard let list = value.sequence?.compactMap(\.string), list.count == value.sequence?.count else {
                    problem(value, "'\(keyNode.string ?? "")' must be a list of user names (or \"*\" for any releaser)")
                    continue
                }
                switch keyNode.string {
                case "promote": permissions.promote = list
                case "approve": permissions.approve = list
                case "rollback": permissions.rollback = list
                default:
                    problem(keyNode, "unknown key '\(keyNode.string ?? "")' (expected promote, approve, rollback)")
                }
            }
            result[name] = permissions
        }
        return result
    }

    private mutating func integer(_ node: Node, _ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = node.int, range.contains(value) else {
            problem(node, "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    static func isRelativeInside(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    private func location(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    private mutating func problem(_ node: Node, _ message: String) {
        let mark = node.mark
        problems.append(Diagnostic(location(mark?.line ?? 1, mark?.column ?? 1), .error, message))
    }
}
