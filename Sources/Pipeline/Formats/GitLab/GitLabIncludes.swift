import Foundation
import GantryCore
import Yams

/// Reads a GitLab CI file's `include:` entries into one configuration, as GitLab does before anything
/// else: each included file (and what it includes) is deep-merged in order, then the including file
/// over them. `include: local` (a path or a glob from the repository root) is read from the repository;
/// a local file is read once however often it is included. `include: project` is read from what the
/// engine fetched from a local mirror (`projectFiles`; what is missing is asked for in
/// `projectRequests`). Remote, template and component includes cannot be fetched here: they are
/// recorded as unsupported. Every included file's nodes keep
/// marks of their own file (`YAMLDocument.include`), so diagnostics name it.
struct GitLabIncludes {
    /// At most this many files are included (GitLab's limit is 150).
    static let maximumFiles = 150
    /// At most this many lines of included files in all (their marks are padded past each other).
    static let maximumTotalLines = 200_000

    private(set) var document: YAMLDocument
    let repositoryRoot: URL?
    /// The variables include `rules:` read (predefined and trigger variables).
    let variables: [String: String]
    let changedFiles: [String]?
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var unsupported: [UnsupportedConstruct] = []
    /// Files of other projects the engine fetched (`include: project`).
    let projectFiles: [GitLabProjectFile: String]
    /// Project files an include asked for that were not given.
    private(set) var projectRequests: [GitLabProjectRequest] = []
    /// Files already included (labels), so each is read once.
    private var included: Set<String> = []
    private var totalLines = 0

    /// Whose file an include is in: the repository's, or another project's (whose `local:` includes
    /// are files of that project, as on GitLab).
    enum Scope {
        case repository
        case project(String, ref: String?)
    }

    init(
        document: YAMLDocument, repositoryRoot: URL?, variables: [String: String], changedFiles: [String]?,
        projectFiles: [GitLabProjectFile: String] = [:]
    ) {
        self.document = document
        self.repositoryRoot = repositoryRoot
        self.variables = variables
        self.changedFiles = changedFiles
        self.projectFiles = projectFiles
    }

    /// The main file's root with every include merged under it (and the `include` key removed).
    mutating func resolve() -> Node? {
        guard let root = document.root, case .mapping = root else { return document.root }
        return resolve(root, depth: 0, scope: .repository)
    }

    private mutating func resolve(_ root: Node, depth: Int, scope: Scope) -> Node {
        guard let includes = root["include"] else { return root }
        var merged: Node = .mapping(Node.Mapping([], .implicit, .block, root.mark))
        for entry in entries(includes) {
            for file in files(for: entry, depth: depth, scope: scope) { merged = NodeMerge.deep(merged, file) }
        }
        return NodeMerge.deep(merged, NodeMerge.removing(["include"], from: root))
    }

    /// The entries of `include:`: a string, a mapping, or a list of them.
    private mutating func entries(_ node: Node) -> [Node] {
        switch node {
        case .scalar, .mapping: return [node]
        case .sequence(let sequence): return Array(sequence)
        default:
            error(node, "include must be a path, a mapping or a list of them")
            return []
        }
    }

    /// The roots of the files one entry includes (each already resolved for its own includes).
    private mutating func files(for entry: Node, depth: Int, scope: Scope) -> [Node] {
        var local: Node?
        switch entry {
        case .scalar(let scalar):
            if scalar.string.hasPrefix("https://") || scalar.string.hasPrefix("http://") {
                unsupportedInclude(entry, "include of the remote file '\(scalar.string)'")
                return []
            }
            local = entry
        case .mapping(let mapping):
            let keys = Set(mapping.keys.compactMap(\.string))
            for key in keys.subtracting([
                "local", "remote", "template", "project", "file", "ref", "component", "rules", "inputs", "cache",
                "integrity",
            ]) {
                if let keyNode = mapping.keys.first(where: { $0.string == key }) {
                    error(
                        keyNode,
                        "unknown key '\(key)' in an include entry (expected local, project, remote, template or component)"
                    )
                }
            }
            if let rules = entry["rules"], !includeRulesMatch(rules) { return [] }
            if let path = entry["local"] {
                local = path
            } else if let project = entry["project"] {
                return projectFiles(entry, project: project, depth: depth)
            } else if let remote = entry["remote"] {
                unsupportedInclude(remote, "include of the remote file '\(remote.string ?? "")'")
                return []
            } else if let template = entry["template"] {
                unsupportedInclude(template, "include of GitLab's template '\(template.string ?? "")'")
                return []
            } else if let component = entry["component"] {
                unsupportedInclude(component, "include of the CI/CD component '\(component.string ?? "")'")
                return []
            } else {
                error(entry, "an include entry needs local, project, remote, template or component")
                return []
            }
        default:
            error(entry, "each include entry must be a path or a mapping")
            return []
        }
        guard let local else { return [] }
        guard let path = local.string, !path.isEmpty else {
            error(local, "include: local must be a path in the repository")
            return []
        }
        if case .project(let project, let ref) = scope {
            // A project's own local include is a file of that project.
            guard !path.contains("*") else {
                error(
                    local, "include: local '\(path)' of the project '\(project)': a glob cannot be read from a mirror")
                return []
            }
            return projectFile(
                GitLabProjectFile(project: project, ref: ref, file: Self.trimmingSlashes(path)), entry: entry,
                at: local,
                depth: depth)
        }
        guard let root = repositoryRoot else {
            unsupportedInclude(local, "include of '\(path)' (the pipeline text has no repository to read it from)")
            return []
        }
        guard depth < 100 else {
            error(local, "includes are nested more than 100 deep")
            return []
        }
        var relative = path
        while relative.hasPrefix("/") { relative.removeFirst() }
        let glob = Glob(relative)
        let paths: [String]
        if glob.isLiteral {
            paths = [glob.normalizedPattern]
        } else {
            paths = FileWalker.files(under: root, matching: [glob]).filter {
                $0.hasSuffix(".yml") || $0.hasSuffix(".yaml")
            }
            if paths.isEmpty { error(local, "include: local '\(path)' matches no file in the repository") }
        }
        var roots: [Node] = []
        for relativePath in paths where !included.contains(relativePath) {
            included.insert(relativePath)
            guard included.count <= Self.maximumFiles else {
                error(local, "more than \(Self.maximumFiles) files are included")
                return roots
            }
            guard let text = read(relativePath, under: root, at: local) else { continue }
            if let node = compose(text, label: relativePath, entry: entry, at: local) {
                roots.append(resolve(node, depth: depth + 1, scope: .repository))
            }
        }
        return roots
    }

    /// `include: {project, ref, file}`: each file (one or a list) from what the engine fetched, or a
    /// request for it (and, until it is given, an include that cannot be read here).
    private mutating func projectFiles(_ entry: Node, project: Node, depth: Int) -> [Node] {
        guard let name = project.string, !name.isEmpty else {
            error(project, "include: project must be a project path such as my-group/ci-templates")
            return []
        }
        let ref = entry["ref"]?.string
        let files: [Node]
        switch entry["file"] {
        case .some(.scalar): files = [entry["file"]].compactMap { $0 }
        case .some(.sequence(let sequence)): files = Array(sequence)
        default:
            error(project, "include: project '\(name)' needs file: (a path or a list of paths in the project)")
            return []
        }
        var roots: [Node] = []
        for file in files {
            guard let path = file.string, !path.isEmpty else {
                error(file, "each file of include: project must be a path in the project")
                continue
            }
            roots += projectFile(
                GitLabProjectFile(project: name, ref: ref, file: Self.trimmingSlashes(path)), entry: entry, at: file,
                depth: depth)
        }
        return roots
    }

    /// One project file, included (with its own includes, in the project's scope) when it was given.
    private mutating func projectFile(_ key: GitLabProjectFile, entry: Node, at node: Node, depth: Int) -> [Node] {
        guard depth < 100 else {
            error(node, "includes are nested more than 100 deep")
            return []
        }
        guard let text = projectFiles[key] else {
            projectRequests.append(GitLabProjectRequest(file: key, location: document.location(node)))
            unsupportedInclude(
                node, "include of '\(key.file)' from the project '\(key.project)'",
                how: " (name a folder of project mirrors in GANTRY_GITLAB_PROJECTS)")
            return []
        }
        guard !included.contains(key.label) else { return [] }
        included.insert(key.label)
        guard included.count <= Self.maximumFiles else {
            error(node, "more than \(Self.maximumFiles) files are included")
            return []
        }
        guard count(lines: text, at: node),
            let composed = compose(text, label: key.label, entry: entry, at: node)
        else { return [] }
        return [resolve(composed, depth: depth + 1, scope: .project(key.project, ref: key.ref))]
    }

    /// An included file's text as its node tree (inputs interpolated), with marks of its own.
    private mutating func compose(_ text: String, label: String, entry: Node, at node: Node) -> Node? {
        let (header, body) = GitLabSpecHeader.blankingHeader(of: text)
        let padded = document.include(file: label, text: body)
        do {
            guard var composed = try BoundedYAML.compose(padded), case .mapping = composed else {
                error(node, "the included file '\(label)' must hold a mapping of jobs and keywords")
                return nil
            }
            if header != nil || body.contains("$[[") || entry["inputs"] != nil {
                do {
                    composed = try GitLabInputs(header: header, given: entry["inputs"]).interpolate(composed)
                } catch {
                    self.error(entry["inputs"] ?? node, "the included file '\(label)': \(error.message)")
                    return nil
                }
            }
            return composed
        } catch let problem as BoundedYAML.TooLarge {
            diagnostics.append(
                Diagnostic(document.location(node), .error, "the included file '\(label)': \(problem.message)"))
        } catch let problem as YamlError {
            var diagnostic = Diagnostic.yaml(problem, file: label)
            // The parser's line counts the padding: give the file's own line.
            let padding = document.firstLine(ofIncluded: label) - 1
            diagnostic.location.line = max(1, diagnostic.location.line - padding)
            diagnostics.append(diagnostic)
        } catch {
            self.error(node, "the included file '\(label)' cannot be read: \(error)")
        }
        return nil
    }

    static func trimmingSlashes(_ path: String) -> String {
        String(path.drop { $0 == "/" })
    }

    /// The file's text, confined to the repository, at most `RepositoryFile.maximumBytes`.
    private mutating func read(_ relativePath: String, under root: URL, at node: Node) -> String? {
        let text: String
        switch RepositoryFile.read(relativePath, under: root, what: "include: local '\(relativePath)'") {
        case .success(let read): text = read
        case .failure(let problem):
            error(node, problem.message)
            return nil
        }
        return count(lines: text, at: node) ? text : nil
    }

    /// Counts an included file's lines against `maximumTotalLines`; false (and an error) past it.
    private mutating func count(lines text: String, at node: Node) -> Bool {
        totalLines += text.reduce(into: 1) { count, character in if character == "\n" { count += 1 } }
        guard totalLines <= Self.maximumTotalLines else {
            error(node, "the included files hold more than \(Self.maximumTotalLines) lines in all")
            return false
        }
        return true
    }

    /// `include:rules`: the first rule that matches decides (`when: never` leaves the file out); none
    /// matching leaves it out.
    private mutating func includeRulesMatch(_ node: Node) -> Bool {
        guard case .sequence(let rules) = node else {
            error(node, "include rules must be a list")
            return false
        }
        for rule in rules {
            let evaluator = GitLabRuleConditions(
                variables: variables, changedFiles: changedFiles, repositoryRoot: repositoryRoot)
            switch evaluator.matches(rule) {
            case .failure(let problem):
                diagnostics.append(
                    Diagnostic(document.location(problem.node), .error, "include rules: \(problem.message)"))
                return false
            case .success(false): continue
            case .success(true): return rule["when"]?.string != "never"
            }
        }
        return false
    }

    private mutating func unsupportedInclude(_ node: Node, _ what: String, how: String = "") {
        unsupported.append(
            UnsupportedConstruct(
                location: document.location(node), job: "", step: nil, message: "\(what) cannot be fetched here\(how)"))
    }

    private mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(document.location(node), .error, message))
    }
}

/// GitLab's `spec:` header: a first YAML document holding `spec: inputs:`, then `---`, then the
/// configuration.
enum GitLabSpecHeader {
    /// `text` with the header's lines blanked (line numbers stay those of the file), and the header's
    /// text when there is one.
    static func blankingHeader(of text: String) -> (header: String?, body: String) {
        // Most files have no header: look at the first line with content before splitting the text.
        guard firstContentLine(of: text)?.hasPrefix("spec:") == true else { return (nil, text) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard
            let first = lines.firstIndex(where: isContent), lines[first].hasPrefix("spec:"),
            let separator = lines[(first + 1)...].firstIndex(where: {
                $0.trimmingCharacters(in: .whitespaces) == "---"
            })
        else { return (nil, text) }
        let header = lines[..<separator].joined(separator: "\n")
        for index in 0...separator { lines[index] = "" }
        return (header, lines.joined(separator: "\n"))
    }

    /// The first line that is not blank, a comment or `---`.
    private static func firstContentLine(of text: String) -> Substring? {
        var rest = text[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            if isContent(rest[..<end]) { return rest[..<end] }
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        return nil
    }

    /// A line that is not blank, a comment or `---`.
    private static func isContent(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return !trimmed.isEmpty && !trimmed.hasPrefix("#") && trimmed != "---"
    }
}
