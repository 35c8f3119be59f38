import Foundation
import GantryCore
import Yams

/// Reads a GitLab CI file (`.gitlab-ci.yml`) into the shape of a `gantry.yml` for one trigger, as
/// GitLab creates a pipeline: local includes merged, merge keys, `!reference` and `extends` resolved,
/// `default:` and global variables inherited, `workflow:rules` and each job's `rules:`/`only:`/`except:`
/// evaluated against the trigger's predefined variables. Stages become `needs` on every job of the
/// earlier stages (a skipped one does not hold later stages back), scripts become one bash step with
/// GitLab Runner's `set -eo pipefail` and echoed commands, `after_script` a step that always runs.
/// Keys that change nothing on one machine are accepted; what cannot run here (services, child
/// pipelines, includes from elsewhere) is recorded as unsupported. docs/compat.md lists every key.
struct GitLabCITranslator {
    private(set) var document: YAMLDocument
    let trigger: PipelineTrigger
    /// The repository the file belongs to (local includes, `exists:`, `CI_PROJECT_DIR`).
    var repositoryRoot: URL?
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var unsupported: [UnsupportedConstruct] = []
    /// Decisions the native model keeps beside the translated file, by job id.
    private(set) var plannedSkips: [String: SkipReason] = [:]
    private(set) var stageNeeds: [String: Set<String>] = [:]
    /// The file's own `spec:` header (its inputs' defaults fill `$[[ inputs.… ]]`).
    var specHeader: String?
    /// Files of other projects the engine fetched; what an include asked for and lacked.
    var projectFiles: [GitLabProjectFile: String] = [:]
    private(set) var projectRequests: [GitLabProjectRequest] = []
    /// Whether an include could not be read here (remote, template, project, component).
    private(set) var missingIncludes = false
    /// `gantry convert`: keep `rules:`, `only:`/`except:`, `when:`, `stage:` and `workflow:rules` for
    /// `dialect: gitlab` to decide for each pipeline, and leave the predefined `CI_*` variables (whose
    /// values come from the trigger) to it, instead of deciding for `trigger`.
    var keepsDecisions = false
    /// With `keepsDecisions`: the stages and `workflow:rules`, for `dialect: gitlab`.
    private(set) var stages: [String] = []
    private(set) var workflowRules: Node?

    static let globalKeys: Set<String> = [
        "stages", "types", "variables", "default", "workflow", "include", "image", "services", "cache",
        "before_script", "after_script", "spec",
    ]
    static let defaultKeys: Set<String> = [
        "after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "image", "interruptible",
        "retry", "services", "tags", "timeout",
    ]
    static let jobKeys: [String] = [
        "script", "before_script", "after_script", "stage", "needs", "dependencies", "rules", "only", "except",
        "when", "allow_failure", "retry", "timeout", "parallel", "artifacts", "cache", "environment",
        "resource_group", "interruptible", "image", "services", "tags", "variables", "extends", "inherit",
        "coverage", "release", "trigger", "secrets", "id_tokens", "hooks", "start_in", "manual_confirmation",
        "dast_configuration", "identity", "inputs", "pages", "publish", "run",
    ]
    static let whenValues = ["on_success", "on_failure", "always", "manual", "delayed", "never"]
    static let defaultStages = ["build", "test", "deploy"]

    init(document: YAMLDocument, trigger: PipelineTrigger) {
        self.document = document
        self.trigger = trigger
    }

    /// The workspace steps run in.
    var workspace: URL {
        repositoryRoot ?? URL(fileURLWithPath: document.file).standardizedFileURL.deletingLastPathComponent()
    }

    /// The file as a `gantry.yml` node tree (nil or a non-mapping root is left to the parser).
    mutating func translate() -> Node? {
        guard var original = document.root, case .mapping = original else { return document.root }
        if specHeader != nil || Self.mentionsInputs(original) {
            do {
                original = try GitLabInputs(header: specHeader, given: nil).interpolate(original)
            } catch {
                self.error(original, error.message)
            }
            document = document.replacingRoot(original)
        }
        let configPath =
            repositoryRoot.map {
                FileWalker.relativePath(of: URL(fileURLWithPath: document.file).standardizedFileURL, to: $0)
            } ?? document.file
        let predefined = GitLabVariables.predefined(trigger: trigger, workspace: workspace, configPath: configPath)
        let ruleVariables = GitLabVariables.forRules(predefined).merging(trigger.variables) { $1 }

        // Includes, then merge keys, then !reference, then extends (GitLab's order).
        var includes = GitLabIncludes(
            document: document, repositoryRoot: repositoryRoot, variables: ruleVariables,
            changedFiles: trigger.changedFiles, projectFiles: projectFiles)
        let merged = GitLabReferences.expandMergeKeys(includes.resolve() ?? original)
        document = includes.document
        projectRequests = includes.projectRequests
        diagnostics += includes.diagnostics
        unsupported += includes.unsupported
        missingIncludes = !includes.unsupported.isEmpty
        var references = GitLabReferences(document: document, missingIncludes: missingIncludes)
        guard case .mapping(let top) = merged else { return merged }
        var entries: [(String, Node, Node)] = []
        for (keyNode, value) in top {
            guard let key = keyNode.string else {
                error(keyNode, "keys in a GitLab CI file must be strings")
                continue
            }
            entries.append((key, keyNode, references.resolvingReferences(in: key, value, root: merged)))
        }
        let global = Dictionary(entries.map { ($0.0, $0.2) }, uniquingKeysWith: { $1 })
        let templates = entries.filter { !Self.globalKeys.contains($0.0) }
        let resolved = references.resolvingExtends(templates)
        diagnostics += references.diagnostics

        // Global keys.
        let stages = stageList(global["stages"] ?? global["types"])
        var globalVariables = variables(global["variables"], context: "variables")
        var defaults: [String: Node] = [:]
        for key in ["image", "services", "cache", "before_script", "after_script"] { defaults[key] = global[key] }
        if let defaultNode = global["default"] {
            if defaultNode.mapping == nil { error(defaultNode, "default must be a mapping") }
            for (keyNode, value) in defaultNode.mapping ?? [:] {
                guard let key = keyNode.string, Self.defaultKeys.contains(key) else {
                    error(
                        keyNode,
                        "'\(keyNode.string ?? "")' cannot be set in default (allowed: \(Self.defaultKeys.sorted().joined(separator: ", ")))"
                    )
                    continue
                }
                defaults[key] = value
            }
        }
        var pipelineName = URL(fileURLWithPath: document.file).lastPathComponent
        var workflowExcluded: String?
        if let workflow = global["workflow"] {
            // Rules read the global variables expanded (`DEPLOY_ENV: $CI_COMMIT_BRANCH`).
            // Converted, the name keeps what the trigger would give (`Release $CI_COMMIT_TAG`).
            let known = GitLabVariables.adding(
                globalVariables, to: keepsDecisions ? [:] : GitLabVariables.forRules(predefined)
            ).merging(trigger.variables) { $1 }
            (workflowExcluded, pipelineName) = self.workflow(
                workflow, variables: known, globalVariables: &globalVariables, name: pipelineName)
        }

        // Kept for the run (`dialect: gitlab`), a `workflow:rules` rule may set a global variable for
        // the pipeline it creates, and GitLab lets that value win over the global one (a job's own
        // `variables:` still win over both). Such globals go to the pipeline's `env:`, which the
        // dialect's workflow variables override when a rule matches, instead of into each job's.
        var pipelineVariables: [EnvVar] = []
        if keepsDecisions, let rules = workflowRules?.sequence {
            let ruled = Set(rules.flatMap { ($0["variables"]?.mapping ?? [:]).compactMap { $0.key.string } })
            pipelineVariables = globalVariables.filter {
                ruled.contains($0.name) && !GitLabVariables.namesVariable($0.value)
            }
            globalVariables.removeAll { variable in pipelineVariables.contains { $0.name == variable.name } }
        }

        // Jobs: every visible top-level entry that is not a global keyword.
        var jobs: [GitLabJob] = []
        var ids = Set<String>()
        for (name, keyNode, _) in templates where !name.hasPrefix(".") {
            guard let body = resolved[name], case .mapping = body else {
                error(keyNode, "job '\(name)' must be a mapping with script: (hidden templates start with '.')")
                continue
            }
            var job = GitLabJob(name: name, keyNode: keyNode, body: body, id: Self.jobID(name, taken: &ids))
            job.unresolved = references.unresolved[name]
            jobs.append(job)
        }
        if jobs.isEmpty, diagnostics.isEmpty {
            error(original, "the file defines no visible job (a job is a top-level key with script:)")
        }
        var translated: [(Node, Node)] = []
        self.stages = stages
        let context = GitLabJobContext(
            stages: stages, defaults: defaults, globalVariables: globalVariables,
            predefined: keepsDecisions ? [] : predefined, workflowExcluded: workflowExcluded)
        for index in jobs.indices { decide(&jobs[index], context: context) }
        for job in jobs {
            translated.append(
                (NodeBuilder.key(job.id, at: job.keyNode), translateJob(job, context: context, jobs: jobs)))
        }
        let jobsKey = NodeBuilder.key("jobs", at: original)
        return NodeBuilder.mapping(
            [
                (
                    NodeBuilder.key("name", at: original),
                    NodeBuilder.scalar(Template.literal(pipelineName), at: original)
                ),
                // GitLab's default job timeout (a project's setting, one hour unless changed).
                (
                    NodeBuilder.key("defaults", at: original),
                    NodeBuilder.mapping(
                        [(NodeBuilder.key("timeout", at: original), NodeBuilder.scalar("1h", at: original))],
                        at: original)
                ),
            ]
                + (pipelineVariables.isEmpty
                    ? []
                    : [
                        (
                            NodeBuilder.key("env", at: original),
                            NodeBuilder.mapping(
                                pipelineVariables.map {
                                    (
                                        NodeBuilder.key($0.name, at: original),
                                        NodeBuilder.scalar(
                                            Template.literal($0.value).replacingOccurrences(of: "$$", with: "$"),
                                            at: original)
                                    )
                                }, at: original)
                        )
                    ])
                + [(jobsKey, NodeBuilder.mapping(translated, at: original))], at: original)
    }

    // MARK: Global keys

    /// `stages:` with `.pre` first and `.post` last.
    private mutating func stageList(_ node: Node?) -> [String] {
        var stages = Self.defaultStages
        if let node {
            guard case .sequence(let items) = node else {
                error(node, "stages must be a list of stage names")
                return [".pre"] + stages + [".post"]
            }
            stages = []
            for item in items {
                guard let name = item.string, !item.isNull else {
                    error(item, "each stage must be a name")
                    continue
                }
                if !stages.contains(name) { stages.append(name) }
            }
        }
        return [".pre"] + stages.filter { $0 != ".pre" && $0 != ".post" } + [".post"]
    }

    /// `workflow:` (`name`, `rules`, `auto_cancel`): why the pipeline is not created, and its name.
    private mutating func workflow(
        _ node: Node, variables: [String: String], globalVariables: inout [EnvVar], name: String
    ) -> (String?, String) {
        guard case .mapping(let pairs) = node else {
            error(node, "workflow must be a mapping (name, rules, auto_cancel)")
            return (nil, name)
        }
        var pipelineName = name
        var excluded: String?
        for (keyNode, value) in pairs {
            switch keyNode.string {
            case "name":
                if let text = value.string, !text.isEmpty {
                    // An undefined variable in a name is empty, as GitLab shows it.
                    pipelineName = GitLabVariables.expand(text, variables, undefinedAsEmpty: !keepsDecisions)
                }
            case "auto_cancel": break
            case "rules" where keepsDecisions:
                workflowRules = value
            case "rules":
                let conditions = GitLabRuleConditions(
                    variables: variables, changedFiles: trigger.changedFiles, repositoryRoot: repositoryRoot)
                switch conditions.outcome(rules: value, jobWhen: "always") {
                case .failure(let problem): error(problem.node, "workflow:rules: \(problem.message)")
                case .success(let outcome):
                    if let why = outcome.excluded {
                        excluded = "workflow:" + why
                    } else {
                        for (nameNode, valueNode) in outcome.variables {
                            guard let variable = nameNode.string else { continue }
                            globalVariables.removeAll { $0.name == variable }
                            globalVariables.append(EnvVar(name: variable, value: valueNode.string ?? ""))
                        }
                    }
                }
            default:
                error(keyNode, "unknown key '\(keyNode.string ?? "")' in workflow (expected name, rules, auto_cancel)")
            }
        }
        return (excluded, pipelineName)
    }

    /// A `variables:` mapping: names to strings, or `{value, description, options, expand}`.
    mutating func variables(_ node: Node?, context: String) -> [EnvVar] {
        guard let node, !node.isNull else { return [] }
        guard case .mapping(let pairs) = node else {
            error(node, "\(context) must be a mapping of names to values")
            return []
        }
        var out: [EnvVar] = []
        for (keyNode, value) in pairs {
            guard let name = keyNode.string, EnvVar.isValidName(name) else {
                error(keyNode, "'\(keyNode.string ?? "")' is not a valid variable name (letters, digits and _)")
                continue
            }
            switch value {
            case .scalar:
                out.append(EnvVar(name: name, value: value.isNull ? "" : value.string ?? ""))
            case .mapping:
                let text = value["value"].flatMap { $0.isNull ? "" : $0.string } ?? ""
                if let expand = value["expand"], Self.bool(expand) == false {
                    // Kept literal: `$` doubled so that expansion leaves it as written.
                    out.append(EnvVar(name: name, value: text.replacingOccurrences(of: "$", with: "$$")))
                } else {
                    out.append(EnvVar(name: name, value: text))
                }
            default:
                error(value, "\(context).\(name) must be a string, number or {value, description}")
            }
        }
        return out
    }

    // MARK: Helpers

    /// Whether any key or value holds `$[[`.
    static func mentionsInputs(_ node: Node) -> Bool {
        switch node {
        case .scalar(let scalar): scalar.string.contains("$[[")
        case .mapping(let pairs): pairs.contains { mentionsInputs($0.key) || mentionsInputs($0.value) }
        case .sequence(let items): items.contains(where: mentionsInputs)
        case .alias: false
        }
    }

    /// A job id for the native model: GitLab names may hold spaces, `:` and `/`, ids may not.
    static func jobID(_ name: String, taken: inout Set<String>) -> String {
        var id = String(
            name.unicodeScalars.map { scalar -> Character in
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
                    ? Character(scalar) : "_"
            })
        if let first = id.unicodeScalars.first, !(first.properties.isAlphabetic || first == "_") { id = "_" + id }
        if id.isEmpty { id = "_job" }
        var candidate = id
        var counter = 2
        while taken.contains(candidate) {
            candidate = "\(id)_\(counter)"
            counter += 1
        }
        taken.insert(candidate)
        return candidate
    }

    static func bool(_ node: Node) -> Bool? {
        switch node.string?.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(document.location(node), .error, message))
    }

    mutating func markUnsupported(_ node: Node, job: String, _ message: String) {
        unsupported.append(
            UnsupportedConstruct(location: document.location(node), job: job, step: nil, message: message))
    }

    mutating func recordSkip(_ reason: SkipReason, job: String) { plannedSkips[job] = reason }
    mutating func recordStageNeeds(_ needs: Set<String>, job: String) { stageNeeds[job] = needs }

}

/// What every job of a pipeline shares.
struct GitLabJobContext {
    let stages: [String]
    let defaults: [String: Node]
    let globalVariables: [EnvVar]
    let predefined: [(String, String)]
    let workflowExcluded: String?
}

/// One visible job while it is translated.
struct GitLabJob {
    let name: String
    let keyNode: Node
    var body: Node
    let id: String
    /// Why it cannot be built here (it extends or references what an unreadable include defines).
    var unresolved: String?
    /// Set by `decide`: the stage, when it runs, whether it may fail, and why it is left out.
    var stage = "test"
    var when = "on_success"
    var allowFailure = false
    var excluded: String?
    var ruleVariables: [(Node, Node)] = []
    var ruleNeeds: Node?
    var variables: [EnvVar] = []
    /// The variables known before the run (predefined, global, job, trigger), expanded: what rules,
    /// artifact names and cache keys read.
    var known: [String: String] = [:]
    /// How many jobs `parallel:` makes (`CI_NODE_TOTAL`).
    var parallelTotal: Int?

    /// The job as stage order sees it.
    var stageMember: GitLabStages.Member {
        GitLabStages.Member(id: id, stage: stage, excluded: excluded != nil, when: when, allowFailure: allowFailure)
    }
}
