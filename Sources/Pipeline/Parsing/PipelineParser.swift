import Foundation
public import GantryCore
import Yams

/// Reads a `gantry.yml` into a `PipelineDefinition`, collecting **every** problem as a diagnostic.
public struct PipelineParser {
    static let topKeys = ["name", "env", "defaults", "jobs", "artifacts", "environments", "include", "dialect"]
    static let defaultsKeys = ["timeout", "retry", "shell", "working-directory"]
    static let jobKeys = [
        "name", "needs", "if", "env", "matrix", "steps", "timeout", "retry", "continue-on-error", "paths",
        "paths-ignore", "cache", "inputs", "outputs", "working-directory", "secrets", "artifacts", "resource-group",
        "fail-fast", "max-parallel", "environment",
    ]
    static let stepKeys = [
        "name", "id", "run", "shell", "env", "if", "timeout", "continue-on-error", "working-directory", "uses", "with",
    ]
    static let retryKeys = ["max", "backoff", "max-backoff", "on"]
    static let cacheKeys = ["key", "paths", "restore-keys", "policy"]
    static let artifactKeys = ["name", "paths", "exclude", "when"]

    /// Loads and parses the file at `path`. Throws `DiagnosticsError` with all problems, or `InputError`
    /// when the file cannot be read.
    /// `projectFiles`: files of other GitLab projects an include names, fetched by the engine.
    public static func load(
        path: String, trigger: PipelineTrigger = PipelineTrigger(), projectFiles: [GitLabProjectFile: String] = [:]
    ) throws -> PipelineDefinition {
        let (text, data) = try read(path)
        return try parse(
            text: text, file: path, digest: Digest.sha256(data), trigger: trigger, projectFiles: projectFiles)
    }

    /// Loads and parses the file at `path` with the templates it includes, read by `templates`.
    public static func load(
        path: String, trigger: PipelineTrigger = PipelineTrigger(), templates: any TemplateSource,
        actionsDirectory: URL? = nil
    ) async throws -> PipelineDefinition {
        let (text, data) = try read(path)
        let references = templateReferences(text: text, file: path)
        let resolved =
            references.isEmpty
            ? [] : try await templates.resolve(references, workspace: PipelineFormat.workspace(forFile: path))
        return try parse(
            text: text, file: path, digest: Digest.sha256(data), trigger: trigger, templates: resolved,
            requirePinnedTemplates: templates.requirePinned, actionsDirectory: actionsDirectory)
    }

    /// The templates a `gantry.yml`'s `include:` names (none for other formats, or text that does not
    /// parse: `parse` reports that).
    public static func templateReferences(text: String, file: String) -> [TemplateReference] {
        // Most files include nothing: they are not composed twice to learn it. (A key spelled with
        // escapes, `"\x69nclude"`, is still read by `parse`, which refuses an unresolved template.)
        guard text.contains("include"), let document = try? YAMLDocument(file: file, text: text),
            PipelineFormat.detect(file: file, root: document.root) == .gantry
        else { return [] }
        return TemplateIncludes.references(in: document).0
    }

    /// The text of the pipeline file at `path`, and its bytes.
    static func read(_ path: String) throws -> (String, Data) {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if !FileManager.default.fileExists(atPath: path) {
                throw InputError("\(path): no such file (pass --file to choose a pipeline file)")
            }
            throw InputError("\(path): cannot be read: \(FileErrorText.describeRead(error, path: path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticsError([
                Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error, "the file is not valid UTF-8")
            ])
        }
        return (text, data)
    }

    /// Parses pipeline text. `file` is used in diagnostics (and a GitLab CI file's includes are read
    /// beside it when it exists); `format` forces a format instead of detecting it
    /// (`PipelineFormat.detect`); `trigger` is what a GitLab CI file's rules are evaluated for.
    public static func parse(
        text: String, file: String, digest: Digest? = nil, format forced: PipelineFormat? = nil,
        trigger: PipelineTrigger = PipelineTrigger(), templates: [ResolvedTemplate] = [],
        requirePinnedTemplates: Bool = false, actionsDirectory: URL? = nil,
        projectFiles: [GitLabProjectFile: String] = [:]
    ) throws(DiagnosticsError) -> PipelineDefinition {
        // A GitLab `spec:` header is a YAML document of its own before `---`.
        let (header, body) = GitLabSpecHeader.blankingHeader(of: text)
        var document = try YAMLDocument(file: file, text: body)
        let original = document.root
        var format = PipelineFormat.detect(
            file: file, root: document.root, forced: forced ?? (header != nil ? .gitlab : nil))
        var translator: GitHubWorkflowTranslator?
        var gitlab: GitLabCITranslator?
        var includes: TemplateIncludes?
        if format == .gantry, case .mapping(let top)? = document.root, top["include"] != nil, let root = document.root {
            let (references, problems) = TemplateIncludes.references(in: document)
            var merger = TemplateIncludes(document: document)
            let merged = merger.merge(
                root: root, references: references, templates: templates, requirePinned: requirePinnedTemplates)
            document = merger.document.replacingRoot(merged)
            includes = merger
            if !problems.isEmpty { throw DiagnosticsError(problems) }
        } else if format == .gitlab {
            var importer = GitLabCITranslator(document: document, trigger: trigger)
            importer.specHeader = header
            importer.projectFiles = projectFiles
            if FileManager.default.fileExists(atPath: file) {
                importer.repositoryRoot = PipelineFormat.workspace(forFile: file).standardizedFileURL
            }
            document = document.replacingRoot(importer.translate())
            document = importer.document.replacingRoot(document.root)
            gitlab = importer
        } else if format == .github {
            var workflow = GitHubWorkflowTranslator(document: document)
            workflow.actionsDirectory = actionsDirectory
            workflow.trigger = trigger
            // Local actions are read from the repository the workflow lives in.
            if FileManager.default.fileExists(atPath: file) {
                workflow.repositoryRoot = PipelineFormat.workspace(forFile: file).standardizedFileURL
            }
            let root = workflow.translate()
            document = workflow.document.replacingRoot(root)
            translator = workflow
        }
        // A converted workflow keeps GitHub's runtime (`dialect: github`).
        var dialect: GitHubDialect?
        // A converted GitLab CI file keeps GitLab's decisions (`dialect: gitlab`).
        var gitlabDialect: GitLabDialect?
        if format == .gantry, case .mapping(let top)? = document.root, let node = top["dialect"] {
            if GitLabDialect.isNamed(by: node) {
                let (read, problems) = GitLabDialect.read(node, in: document)
                guard var read else { throw DiagnosticsError(problems) }
                document = read.extract(from: document)
                gitlabDialect = read
            } else {
                let (read, problems) = GitHubDialect.read(node, in: document)
                if !problems.isEmpty { throw DiagnosticsError(problems) }
                dialect = read
                format = .github
            }
        }
        var parser = PipelineParser(document: document)
        parser.format = format
        var definition = parser.parseTop(digest: digest ?? Digest.sha256(text))
        definition.format = format
        if let gitlabDialect {
            definition.decidedPerTrigger = true
            parser.diagnostics += gitlabDialect.apply(
                to: &definition, trigger: trigger, file: file, document: document)
        }
        if format == .github, case .mapping(let top)? = original, top["name"] == nil {
            // GitHub names an unnamed workflow after its file.
            definition.name = URL(fileURLWithPath: file).lastPathComponent
        }
        if let gitlab {
            parser.diagnostics += gitlab.diagnostics
            definition.unsupported = gitlab.unsupported
            definition.gitLabProjectRequests = gitlab.projectRequests
            for position in definition.jobs.indices {
                let id = definition.jobs[position].id
                definition.jobs[position].plannedSkip = gitlab.plannedSkips[id]
                definition.jobs[position].stageNeeds = gitlab.stageNeeds[id] ?? []
            }
        }
        if let includes {
            parser.diagnostics += includes.diagnostics
            definition.templates = includes.used
        }
        if let translator {
            parser.diagnostics += translator.diagnostics
            definition.unsupported = translator.unsupported
            definition.workflowInputs = translator.inputs
            definition.workflowEvents = translator.events
            definition.warnings = translator.warnings
            definition.workflowFiltersRefs = translator.filtersRefs
            if let reason = translator.filteredOut {
                // GitHub would not start this workflow for the push (or pull request) at hand.
                for position in definition.jobs.indices where definition.jobs[position].plannedSkip == nil {
                    definition.jobs[position].plannedSkip = .rules(reason)
                }
            }
        }
        if let dialect {
            definition.workflowInputs = dialect.inputs
            definition.workflowEvents = dialect.events
        }
        if format == .github {
            // A workflow reads any secret without listing it: each job lists those its expressions (and
            // the workflow's env) read.
            var read: [String: Set<String>] = [:]
            for reference in parser.references {
                for (root, properties) in reference.expression.references where root == "secrets" {
                    guard let name = properties.first else { continue }
                    read[reference.scope.job ?? "", default: []].insert(name)
                }
            }
            for position in definition.jobs.indices {
                let job = definition.jobs[position]
                let names = read[job.id, default: []].union(read["", default: []]).subtracting(job.secrets)
                definition.jobs[position].secrets += names.sorted()
            }
        }
        definition.indexJobs()
        parser.protectEnvironments(
            of: &definition, file: file, native: dialect == nil && gitlabDialect == nil && format == .gantry)
        if let translator {
            for (id, labels) in translator.runnerLabels.sorted(by: { $0.key < $1.key }) {
                guard let position = definition.jobs.firstIndex(where: { $0.id == id }) else { continue }
                definition.jobs[position].runnerLabels = labels.map(\.text)
                definition.unsupported += GitHubRunnerLabels.unsupportedCombinations(
                    of: definition.jobs[position], labels: labels)
            }
        }
        // Graph and reference checks run even when the parser found problems: report everything at once.
        let diagnostics = Array(
            Set(
                parser.diagnostics
                    + PipelineValidator(
                        definition: definition, references: parser.references, needLocations: parser.needLocations,
                        format: format
                    ).validate()))
        if !diagnostics.isEmpty {
            throw DiagnosticsError(diagnostics.sorted { $0.location < $1.location })
        }
        return definition
    }

    /// Applies the Gantry environments' protection to the jobs that deploy (`EnvironmentProtection`): a
    /// `gantry.yml`'s own `environments:`, or those of the `gantry.yml` beside a workflow or GitLab file.
    mutating func protectEnvironments(of definition: inout PipelineDefinition, file: String, native: Bool) {
        guard definition.jobs.contains(where: { $0.environment != nil || !$0.secrets.isEmpty }) else { return }
        var environments = definition.environments
        var declaredIn = URL(fileURLWithPath: file).lastPathComponent
        if !native, environments.isEmpty, FileManager.default.fileExists(atPath: file) {
            let repository = RepositoryEnvironments.read(workspace: PipelineFormat.workspace(forFile: file))
            diagnostics += repository.problems
            environments = repository.environments
            declaredIn = "gantry.yml"
        }
        var protection = EnvironmentProtection(environments: environments, declaredIn: declaredIn, native: native)
        protection.check(definition, references: references)
        diagnostics += protection.errors
        definition.warnings += protection.warnings
        definition.unsupported += protection.unsupported
    }

    let document: YAMLDocument
    /// The file's format: a GitHub workflow allows its own expression contexts.
    var format: PipelineFormat = .gantry
    var diagnostics: [Diagnostic] = []
    /// Expressions and names to check once every job is known.
    private(set) var references: [PendingReference] = []
    /// Every `needs:` entry with its location: (job, needed job, where).
    var needLocations: [(String, String, SourceLocation)] = []

    init(document: YAMLDocument) { self.document = document }

    // MARK: - Diagnostics helpers

    mutating func error(_ node: Node?, _ message: String) {
        diagnostics.append(Diagnostic(document.location(node), .error, message))
    }

    mutating func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location, .error, message))
    }

    /// The pairs of a mapping node, reporting unknown keys (with a suggestion) and non-string keys.
    mutating func mapping(_ node: Node, allowed: [String]?, context: String) -> [(String, Node, Node)] {
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping, found \(node.kindName)")
            return []
        }
        var pairs: [(String, Node, Node)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else {
                error(keyNode, "keys in \(context) must be strings")
                continue
            }
            if let allowed, !allowed.contains(key.string) {
                error(
                    keyNode, "unknown key '\(key.string)' in \(context)\(Suggestion.hint(for: key.string, in: allowed))"
                )
                continue
            }
            pairs.append((key.string, keyNode, valueNode))
        }
        return pairs
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            error(node, "\(what) must be a string, found \(node.kindName)")
            return nil
        }
        return scalar.string
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        if case .scalar(let scalar) = node {
            switch scalar.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        error(node, "\(what) must be true or false, found \(node.kindName)")
        return nil
    }

    /// A whole number within `range`; nil (and an error naming the range) otherwise.
    mutating func wholeNumber(_ node: Node, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, let number = Int(scalar.string), range.contains(number) else {
            error(node, "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func duration(_ node: Node, _ what: String) -> Duration? {
        guard let text = string(node, what) else { return nil }
        do {
            return try DurationParser.parse(text)
        } catch {
            self.error(node, "\(what): \(error.description)")
            return nil
        }
    }

    /// A string or a list of strings.
    mutating func stringList(_ node: Node, _ what: String) -> [(String, Node)] {
        switch node {
        case .scalar where !node.isNull: return string(node, what).map { [($0, node)] } ?? []
        case .sequence(let sequence):
            return sequence.compactMap { item in string(item, "each entry of \(what)").map { ($0, item) } }
        default:
            error(node, "\(what) must be a string or a list of strings, found \(node.kindName)")
            return []
        }
    }

    mutating func env(_ node: Node, context: String, scope: ReferenceScope) -> [EnvVar] {
        var vars: [EnvVar] = []
        for (name, keyNode, valueNode) in mapping(node, allowed: nil, context: context) {
            if name.isEmpty || name.contains("=") || name.first?.isNumber == true {
                error(keyNode, "'\(name)' is not a valid environment variable name")
                continue
            }
            guard case .scalar(let scalar) = valueNode else {
                error(valueNode, "\(context).\(name) must be a string, number or boolean, found \(valueNode.kindName)")
                continue
            }
            let value = valueNode.isNull ? "" : scalar.string
            expectTemplate(value, node: valueNode, scope: scope)
            vars.append(EnvVar(name: name, value: value))
        }
        return vars
    }

    /// Records a template for reference checking and reports syntax errors now.
    mutating func expectTemplate(_ text: String, node: Node, scope: ReferenceScope) {
        guard Template.containsExpression(text) else { return }
        do {
            for (placeholder, expression) in try Template.parse(text) {
                references.append(
                    PendingReference(
                        expression: expression,
                        location: document.location(node, offset: max(0, placeholder.offset - 3)),
                        scope: scope))
            }
        } catch {
            self.error(at: document.location(node, offset: error.offset), "expression syntax error: \(error.message)")
        }
    }

    /// Records an `if:` condition (with or without `${{ }}`).
    mutating func expectCondition(_ text: String, node: Node, scope: ReferenceScope) {
        do {
            let expression = try Template.condition(text)
            references.append(PendingReference(expression: expression, location: document.location(node), scope: scope))
        } catch {
            self.error(
                at: document.location(node, offset: error.offset), "expression syntax error in if: \(error.message)")
        }
    }
}
