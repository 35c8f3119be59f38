import Foundation
public import GantryCore
import Yams

/// `gantry convert`: a GitHub Actions workflow written out as the equivalent `gantry.yml` — the native
/// shape the importer reads it into (jobs, steps, `matrix`, `timeout`, `needs`, inlined local actions
/// and reusable workflows), with `dialect: github` keeping GitHub's contexts, runner files and
/// workflow commands, each job's secrets listed, and a comment at every construct that was not
/// translated or that means nothing on one machine. The result is checked to validate before it is
/// returned.
public enum PipelineConverter {
    /// The converted file and what did not carry over.
    public struct Conversion: Sendable {
        /// The `gantry.yml` text.
        public var text: String
        /// Each construct that was not translated, as `file:line:col: message`.
        public var notTranslated: [String]
    }

    /// Top-level and job keys a workflow has that a Gantry pipeline does not need, and why.
    static let droppedTopKeys = [
        "on": "Gantry's server starts runs from webhooks (docs/server.md); path filters became each job's paths",
        "permissions": "no token is issued to a local run",
        "concurrency": "one run at a time per invocation",
        "run-name": "runs are named by their id",
    ]
    static let droppedJobKeys = [
        "runs-on": "a job runs on the machine that runs gantry",
        "permissions": "no token is issued to a local run",
        "concurrency": "one run at a time per invocation",
    ]

    /// Converts the workflow `text` read from `file`.
    public static func convert(text: String, file: String) throws(DiagnosticsError) -> Conversion {
        let document = try YAMLDocument(file: file, text: text)
        let format = PipelineFormat.detect(file: file, root: document.root)
        func refuse(_ message: String) -> DiagnosticsError {
            DiagnosticsError([Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, message)])
        }
        switch format {
        case .gantry: throw refuse("the file is already a gantry.yml")
        case .gitlab: return try convertGitLab(text: text, file: file)
        case .github: break
        }
        // The workflow must be valid: its problems are reported as `validate` reports them.
        let definition = try PipelineParser.parse(text: text, file: file)
        var translator = GitHubWorkflowTranslator(document: document)
        if FileManager.default.fileExists(atPath: file) {
            translator.repositoryRoot = PipelineFormat.workspace(forFile: file).standardizedFileURL
        }
        guard case .mapping(let translated)? = translator.translate(), case .mapping(let original)? = document.root
        else { throw refuse("the workflow must be a mapping") }

        var top: [(Node, Node)] = []
        let at = document.root ?? Node("")
        top.append((NodeBuilder.key("name", at: at), NodeBuilder.scalar(definition.name, at: at)))
        top.append((NodeBuilder.key("dialect", at: at), dialect(definition, at: at)))
        for (key, value) in translated where key.string != "name" {
            guard key.string == "jobs", case .mapping(let jobs) = value else {
                top.append((key, value))
                continue
            }
            let withSecrets = jobs.map { idNode, body -> (Node, Node) in
                let body = ordered(body)
                // The secrets a job reads, listed as a gantry.yml lists them (names GitHub allows and
                // Gantry does not, such as `registry-token`, are still read through the dialect).
                let secrets = idNode.string.flatMap { definition.job($0) }?.secrets.filter(EnvVar.isValidName) ?? []
                guard !secrets.isEmpty, case .mapping(var pairs) = body, pairs["secrets"] == nil else {
                    return (idNode, body)
                }
                pairs[NodeBuilder.key("secrets", at: idNode)] = NodeBuilder.sequence(
                    secrets.map { NodeBuilder.scalar($0, at: idNode) }, at: idNode)
                return (idNode, .mapping(pairs))
            }
            top.append((key, NodeBuilder.mapping(withSecrets, at: value)))
        }
        let body = try serialized(top, at: at, file: file)
        var (notes, notTranslated) = untranslated(definition.unsupported)
        notes["", default: []] += droppedNotes(.mapping(original), droppedTopKeys)
        if case .mapping(let jobs)? = original["jobs"] {
            for (idNode, job) in jobs {
                guard let id = idNode.string else { continue }
                notes[id, default: []] += droppedNotes(job, droppedJobKeys)
            }
        }
        let source = URL(fileURLWithPath: file).lastPathComponent
        let header = [
            "# Converted from \(source) by gantry convert.",
            "# dialect: github keeps GitHub's contexts (github, runner, inputs, vars), its runner files",
            "# (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY) and workflow commands; remove it",
            "# once the steps use Gantry's own (run.*, GANTRY_OUTPUT, GANTRY_ENV). See docs/compat.md.",
        ]
        let text = header.joined(separator: "\n") + "\n" + annotate(body, notes: notes)
        try checkValid(text, convertedFrom: file)
        return Conversion(text: text, notTranslated: notTranslated)
    }

    /// The converted pipeline as YAML.
    static func serialized(_ top: [(Node, Node)], at: Node, file: String) throws(DiagnosticsError) -> String {
        do {
            return try Yams.serialize(
                node: restyled(NodeBuilder.mapping(top, at: at)), indent: 2, width: -1, allowUnicode: true)
        } catch {
            throw DiagnosticsError([
                Diagnostic(
                    SourceLocation(file: file, line: 1, column: 1), .error,
                    "the converted pipeline cannot be written as YAML: \(error)")
            ])
        }
    }

    /// What is written must be a valid `gantry.yml` (read where it would be written).
    static func checkValid(_ text: String, convertedFrom file: String) throws(DiagnosticsError) {
        let target = PipelineFormat.workspace(forFile: file).appendingPathComponent("gantry.yml").path
        do {
            _ = try PipelineParser.parse(text: text, file: target)
        } catch {
            throw DiagnosticsError(
                [
                    Diagnostic(
                        SourceLocation(file: file, line: 1, column: 1), .error,
                        "the converted pipeline does not validate (a bug in gantry convert; please report it):")
                ] + error.diagnostics)
        }
    }

    /// Global and job keys of a GitLab CI file that mean nothing on one machine, and why.
    static let droppedGitLabTopKeys = [
        "image": "a job runs on this machine, not in a container image",
        "services": "Gantry uses no container engine",
        "include": "the included files are merged into this one",
    ]
    static let droppedGitLabJobKeys = [
        "image": "a job runs on this machine, not in a container image",
        "tags": "a job runs on the machine that runs gantry",
        "interruptible": "a run is cancelled as a whole",
    ]

    /// A GitLab CI file as a `gantry.yml` with `dialect: gitlab`: includes, `extends`, `!reference`,
    /// anchors and `default:` resolved, scripts as bash steps, variables, matrices, caches, artifacts,
    /// retries and timeouts in Gantry's words; `stages`, `workflow:rules` and each job's `stage`,
    /// `rules`, `only`/`except` and `when` kept as GitLab writes them, for the dialect to decide for each
    /// run (GitLab decides them for each pipeline).
    static func convertGitLab(text: String, file: String) throws(DiagnosticsError) -> Conversion {
        // The file must be valid: its problems are reported as `validate` reports them.
        _ = try PipelineParser.parse(text: text, file: file)
        let (header, body) = GitLabSpecHeader.blankingHeader(of: text)
        let document = try YAMLDocument(file: file, text: body)
        var translator = GitLabCITranslator(document: document, trigger: PipelineTrigger())
        translator.specHeader = header
        translator.keepsDecisions = true
        if FileManager.default.fileExists(atPath: file) {
            translator.repositoryRoot = PipelineFormat.workspace(forFile: file).standardizedFileURL
        }
        let at = document.root ?? Node("")
        guard case .mapping(let translated)? = translator.translate(), case .mapping(let original)? = document.root
        else {
            throw DiagnosticsError([
                Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "the file must be a mapping")
            ])
        }
        var settings: [(Node, Node)] = [
            (
                NodeBuilder.key("stages", at: at),
                .sequence(
                    Node.Sequence(
                        translator.stages.filter { $0 != ".pre" && $0 != ".post" }.map { NodeBuilder.key($0, at: at) },
                        .implicit, .flow, at.mark))
            )
        ]
        if let rules = translator.workflowRules {
            settings.append(
                (
                    NodeBuilder.key("workflow", at: at),
                    NodeBuilder.mapping([(NodeBuilder.key("rules", at: at), rules)], at: at)
                ))
        }
        var top: [(Node, Node)] = []
        for (key, value) in translated {
            guard key.string == "jobs", case .mapping(let jobs) = value else {
                top.append((key, value))
                if key.string == "name" {
                    top.append(
                        (
                            NodeBuilder.key("dialect", at: at),
                            NodeBuilder.mapping(
                                [(NodeBuilder.key("gitlab", at: at), NodeBuilder.mapping(settings, at: at))], at: at)
                        ))
                }
                continue
            }
            // A job's name is written only when it is not its id (`test:unit` becomes `test_unit`).
            let named = jobs.map { id, job in
                (id, ordered(job["name"]?.string == id.string ? NodeMerge.removing(["name"], from: job) : job))
            }
            top.append((key, NodeBuilder.mapping(named, at: value)))
        }
        var (notes, notTranslated) = untranslated(translator.unsupported)
        notes["", default: []] += droppedNotes(.mapping(original), droppedGitLabTopKeys)
        // Jobs written in this file, by the id the translator gives them (in the same order; included
        // files' jobs, merged in, are left without these notes).
        var taken = Set<String>()
        for (nameNode, job) in original where original["include"] == nil {
            guard let name = nameNode.string, !GitLabCITranslator.globalKeys.contains(name), !name.hasPrefix(".")
            else { continue }
            notes[GitLabCITranslator.jobID(name, taken: &taken), default: []] += droppedNotes(
                job, droppedGitLabJobKeys)
        }
        let source = URL(fileURLWithPath: file).lastPathComponent
        let comment = [
            "# Converted from \(source) by gantry convert.",
            "# dialect: gitlab gives the pipeline GitLab's predefined CI_* variables and keeps its stages and",
            "# each job's rules, only/except and when, decided for each run as GitLab decides them for each",
            "# pipeline. See docs/compat.md.",
        ]
        let text =
            comment.joined(separator: "\n") + "\n" + annotate(try serialized(top, at: at, file: file), notes: notes)
        try checkValid(text, convertedFrom: file)
        return Conversion(text: text, notTranslated: notTranslated)
    }

    /// A comment for each construct that was not translated, by job, and each as `file:line:col: message`.
    static func untranslated(_ constructs: [UnsupportedConstruct]) -> (notes: [String: [String]], lines: [String]) {
        var notes: [String: [String]] = [:]
        for construct in constructs {
            notes[construct.job, default: []].append("not translated: \(construct.message) (\(construct.location))")
        }
        return (notes, constructs.map { "\($0.location): \($0.message)" })
    }

    /// A comment for each key of `mapping` that `dropped` names, with its value and why it was dropped.
    static func droppedNotes(_ mapping: Node, _ dropped: [String: String]) -> [String] {
        guard case .mapping(let pairs) = mapping else { return [] }
        return pairs.compactMap { key, value in
            guard let name = key.string, let why = dropped[name] else { return nil }
            return "\(name): \(summary(value)) — dropped: \(why)"
        }
    }

    /// `dialect:` with the workflow's events and inputs.
    static func dialect(_ definition: PipelineDefinition, at node: Node) -> Node {
        var settings: [(Node, Node)] = []
        if !definition.workflowEvents.isEmpty {
            settings.append(
                (
                    NodeBuilder.key("events", at: node),
                    .sequence(
                        Node.Sequence(
                            definition.workflowEvents.map { NodeBuilder.key($0, at: node) }, .implicit, .flow, node.mark
                        ))
                ))
        }
        if !definition.workflowInputs.isEmpty {
            settings.append(
                (
                    NodeBuilder.key("inputs", at: node),
                    NodeBuilder.mapping(
                        definition.workflowInputs.sorted { $0.key < $1.key }.map {
                            (NodeBuilder.key($0.key, at: node), NodeBuilder.scalar($0.value, at: node))
                        }, at: node)
                ))
        }
        guard !settings.isEmpty else { return NodeBuilder.key("github", at: node) }
        return NodeBuilder.mapping(
            [(NodeBuilder.key("github", at: node), NodeBuilder.mapping(settings, at: node))], at: node)
    }

    /// Multi-line strings as literal blocks (scripts stay readable), quoted strings that read the same
    /// unquoted as plain ones, everything else as it was.
    static func restyled(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            if scalar.string.contains("\n"), !scalar.string.hasSuffix(" "), !scalar.string.contains("\t") {
                scalar.style = .literal
            } else if scalar.style == .doubleQuoted, readsTheSamePlain(scalar.string) {
                scalar.style = .plain
            }
            return .scalar(scalar)
        case .mapping(let mapping):
            return .mapping(
                Node.Mapping(
                    mapping.map { ($0.key, restyled($0.value)) }, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(restyled), sequence.tag, sequence.style, sequence.mark))
        case .alias: return node
        }
    }

    /// The order a job's keys are written in: what it is and when it runs first, its steps last.
    static let jobKeyOrder = [
        "name", "stage", "needs", "rules", "only", "except", "when", "allow_failure", "if", "matrix", "env", "secrets",
        "timeout",
        "retry", "continue-on-error", "paths",
        "paths-ignore", "cache", "inputs", "outputs", "artifacts", "resource-group", "steps",
    ]

    /// A job's mapping with its keys in `jobKeyOrder` (others kept before `steps`, in their order).
    static func ordered(_ job: Node) -> Node {
        guard case .mapping(let mapping) = job else { return job }
        func rank(_ key: Node) -> Int {
            jobKeyOrder.firstIndex(of: key.string ?? "") ?? (jobKeyOrder.count - 1)
        }
        let pairs = mapping.enumerated().sorted { lhs, rhs in
            let (left, right) = (rank(lhs.element.key), rank(rhs.element.key))
            return left == right ? lhs.offset < rhs.offset : left < right
        }.map { ($0.element.key, $0.element.value) }
        return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
    }

    /// Whether `text` written without quotes is the same string to every YAML reader: words, paths
    /// and sentences, not numbers, booleans or nulls, nothing YAML gives a meaning.
    static func readsTheSamePlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first,
            CharacterSet.letters.contains(first) || first == "_" || first == "/",
            !text.hasSuffix(" "), !text.contains(": "), !text.contains(" #"), !text.hasSuffix(":")
        else { return false }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: " _-./@,()'"))
        guard text.unicodeScalars.allSatisfy(allowed.contains) else { return false }
        let special: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"]
        return !special.contains(text.lowercased())
    }

    /// A value in a comment: a scalar as it is, a list or mapping as its flow form, on one line.
    static func summary(_ node: Node) -> String {
        let text: String
        if let scalar = node.scalar?.string {
            text = scalar
        } else {
            text =
                (try? Yams.serialize(node: flow(node), width: -1))?
                .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces) ?? "…"
        }
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 100 ? String(line.prefix(99)) + "…" : line
    }

    /// `node` with its lists and mappings in flow style (`[a, b]`, `{k: v}`).
    static func flow(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            return .mapping(
                Node.Mapping(mapping.map { (flow($0.key), flow($0.value)) }, mapping.tag, .flow, mapping.mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(flow), sequence.tag, .flow, sequence.mark))
        default: return node
        }
    }

    /// `body` with `notes` as comments: the file's ("") before `jobs:`, each job's before its key. A
    /// note is one line whatever it quotes (a line break in a workflow's value cannot end the comment).
    static func annotate(_ body: String, notes: [String: [String]]) -> String {
        let notes = notes.mapValues { $0.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") } }
        var out: [String] = []
        var inJobs = false
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "jobs:" {
                for note in notes[""] ?? [] { out.append("# \(note)") }
                inJobs = true
            } else if inJobs, line.hasPrefix("  "), !line.hasPrefix("   "), let colon = line.firstIndex(of: ":") {
                let id = String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
                for note in notes[id] ?? [] { out.append("  # \(note)") }
            } else if !line.isEmpty, !line.hasPrefix(" ") {
                inJobs = false
            }
            out.append(String(line))
        }
        return out.joined(separator: "\n")
    }
}
