import GantryCore
import Yams

/// A `gantry.yml`'s `include:` of pinned templates, merged as GitLab merges `extends`: each template
/// in order, then the file itself over them — mappings merge key by key (a job of the file overrides
/// the template's job of the same id key by key), anything else (lists included) is replaced. Each
/// template's marks are its own (`YAMLDocument.include`), so its mistakes point at its own lines.
struct TemplateIncludes {
    /// At most this many templates are included.
    static let maximumTemplates = 16
    static let entryKeys = ["template", "file", "version"]

    private(set) var document: YAMLDocument
    private(set) var diagnostics: [Diagnostic] = []
    /// The templates used, in order.
    private(set) var used: [TemplateUse] = []

    init(document: YAMLDocument) { self.document = document }

    /// The `include:` entries of `document` (problems with their shape as diagnostics).
    static func references(in document: YAMLDocument) -> ([TemplateReference], [Diagnostic]) {
        guard case .mapping(let top)? = document.root, let include = top["include"] else { return ([], []) }
        var references: [TemplateReference] = []
        var problems: [Diagnostic] = []
        func problem(_ node: Node, _ message: String) {
            problems.append(Diagnostic(document.location(node), .error, message))
        }
        let entries: [Node]
        switch include {
        case .sequence(let sequence): entries = Array(sequence)
        case .mapping: entries = [include]
        default:
            problem(include, "include must be a list of templates, each {template: …, version: …}")
            return ([], problems)
        }
        if entries.count > maximumTemplates {
            problem(include, "a pipeline includes at most \(maximumTemplates) templates")
            return ([], problems)
        }
        for entry in entries {
            guard case .mapping(let pairs) = entry else {
                problem(
                    entry,
                    "each include entry must be a mapping: {template: <path or repository>, version: <tag or commit>}")
                continue
            }
            for (key, _) in pairs where !entryKeys.contains(key.string ?? "") {
                let name = key.string ?? ""
                problem(
                    key,
                    "unknown key '\(name)' in an include entry\(Suggestion.hint(for: name, in: entryKeys)) "
                        + "(expected template, file, version)")
            }
            guard let source = pairs["template"]?.string, !source.isEmpty else {
                problem(entry, "the include entry has no template: name a file of the repository or a git repository")
                continue
            }
            var reference = TemplateReference(source: source, location: document.location(pairs["template"]))
            for key in ["file", "version"] {
                guard let value = pairs[key] else { continue }
                guard let text = value.string, !text.isEmpty, value.scalar != nil else {
                    problem(value, "\(key) must be a non-empty string")
                    continue
                }
                if key == "file" { reference.file = text } else { reference.version = text }
            }
            references.append(reference)
        }
        return (references, problems)
    }

    /// `root` (the file's own mapping) with `templates` merged under it, without `include:`.
    mutating func merge(root: Node, references: [TemplateReference], templates: [ResolvedTemplate], requirePinned: Bool)
        -> Node
    {
        var base: Node?
        for reference in references {
            guard let template = templates.first(where: { $0.use.reference.sameTemplate(as: reference) }) else {
                error(
                    reference.location,
                    "the template '\(reference.source)' was not read (nothing resolves templates here)")
                continue
            }
            let use = template.use
            if use.pin == .floating, requirePinned {
                error(
                    reference.location,
                    "the template '\(reference.source)' is not pinned: \(use.floatingReason ?? "no version") — pin a tag "
                        + "or a full commit with version: (CI=true refuses templates that can change under the pipeline)"
                )
            }
            used.append(use)
            let padded = document.include(file: use.label, text: template.text)
            let node: Node
            do {
                guard let composed = try BoundedYAML.compose(padded), case .mapping(let pairs) = composed else {
                    error(reference.location, "the template '\(use.label)' must hold a mapping of pipeline keys")
                    continue
                }
                if let nested = pairs["include"] {
                    diagnostics.append(
                        Diagnostic(document.location(nested), .error, "a template cannot include other templates"))
                }
                node = composed
            } catch let problem as BoundedYAML.TooLarge {
                error(reference.location, "the template '\(use.label)': \(problem.message)")
                continue
            } catch let problem as YamlError {
                var diagnostic = Diagnostic.yaml(problem, file: use.label)
                diagnostic.location.line = max(
                    1, diagnostic.location.line - (document.firstLine(ofIncluded: use.label) - 1))
                diagnostics.append(diagnostic)
                continue
            } catch {
                self.error(reference.location, "the template '\(use.label)' cannot be read: \(error)")
                continue
            }
            base = base.map { NodeMerge.deep($0, node) } ?? node
        }
        let own = NodeMerge.removing(["include"], from: root)
        return base.map { NodeMerge.deep(NodeMerge.removing(["include"], from: $0), own) } ?? own
    }

    private mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location, .error, message))
    }
}
