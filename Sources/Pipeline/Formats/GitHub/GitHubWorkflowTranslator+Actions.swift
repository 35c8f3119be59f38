import Foundation
import GantryCore
import Yams

/// Actions that are not Gantry's own: a local action (`uses: ./path`) or one a team vendored into the
/// actions folder (`GANTRY_ACTIONS`, laid out `<owner>/<repo>@<ref>/`), of kind composite (its steps
/// inlined into the job) or JavaScript (`node20` and the like: its `main` run with `node`, inputs as
/// `INPUT_<NAME>`, with its `pre:` script right before it and its `post:` script after the job's
/// other steps, sharing `GITHUB_STATE`). Docker actions need a container engine. A vendored action
/// whose ref is not a full commit SHA is a warning, as a tag can be moved to other code.
extension GitHubWorkflowTranslator {
    /// An action's folder: inside `root` (the repository, or the vendored action's folder), which it
    /// may not leave.
    struct ActionFolder {
        var root: URL
        var relative: String
        /// How messages name it.
        var reference: String
        var vendored: Bool

        var url: URL { root.appendingPathComponent(relative).standardizedFileURL }
    }

    /// At most this many steps come from composite actions in all (actions using actions could
    /// otherwise multiply into a job no one meant, and a parse that does not end).
    static let maximumActionSteps = 1000

    /// Actions Gantry handles itself (checkout, caches, artifacts, tool set-ups).
    static func isBuiltIn(_ reference: String) -> Bool {
        let name = actionName(reference) ?? reference
        return ["actions/checkout", "actions/upload-artifact", "actions/download-artifact"].contains(name)
            || cacheActions.contains(name) || toolActions[name] != nil || reference.hasPrefix("docker://")
    }

    /// The folder `reference` names, nil when there is none (an error is recorded when it leaves its
    /// root).
    mutating func actionFolder(_ reference: String, at uses: Node) -> ActionFolder? {
        if reference.hasPrefix("./") {
            guard let root = repositoryRoot else { return nil }
            let relative = String(reference.dropFirst(2)).split(separator: "@").first.map(String.init) ?? ""
            let folder = ActionFolder(root: root, relative: relative, reference: reference, vendored: false)
            guard Self.isInside(folder.url, root) else {
                error(uses, "'\(reference)' leaves the repository: a local action must be inside it")
                return nil
            }
            return folder
        }
        guard let vendored = vendoredLocation(reference) else { return nil }
        let folder = ActionFolder(
            root: vendored.root, relative: vendored.relative, reference: reference, vendored: true)
        guard let directory = actionsDirectory, Self.isInside(folder.url, directory) else { return nil }
        return folder
    }

    /// Where `owner/repo[/path]@ref` is vendored: the folder `<owner>/<repo>@<ref>` of the actions
    /// directory (when it exists) and the path in it; nil for another reference or a `..` in it.
    func vendoredLocation(_ reference: String) -> (root: URL, relative: String, ref: String)? {
        guard let directory = actionsDirectory, let at = reference.firstIndex(of: "@") else { return nil }
        let path = reference[..<at].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let ref = String(reference[reference.index(after: at)...])
        guard path.count >= 2, !ref.isEmpty, !(path + [ref]).contains(where: { $0 == ".." || $0 == "." || $0.isEmpty })
        else { return nil }
        let root = directory.appendingPathComponent(path[0]).appendingPathComponent("\(path[1])@\(ref)")
        guard Self.isInside(root, directory), FileManager.default.fileExists(atPath: root.path) else { return nil }
        return (root, path.dropFirst(2).joined(separator: "/"), ref)
    }

    /// A warning that a vendored `what` (action, workflow) is named by a tag or branch, which can be
    /// moved to other code, instead of a full commit SHA.
    mutating func warnUnlessPinned(_ reference: String, ref: String, what: String, at uses: Node) {
        guard !(ref.count == 40 && ref.allSatisfy(\.isHexDigit)) else { return }
        warnings.append(
            Diagnostic(
                document.location(uses), .warning,
                "the \(what) '\(reference)' is not pinned to a full commit SHA: the tag or branch '\(ref)' can be "
                    + "moved to other code (vendor it at a commit)"))
    }

    static func isInside(_ url: URL, _ root: URL) -> Bool {
        let path = url.resolvingSymlinksInPath().path
        let rootPath = root.resolvingSymlinksInPath().path
        return path == rootPath || path.hasPrefix(rootPath.hasSuffix("/") ? rootPath : rootPath + "/")
    }

    /// The job's steps for a local or vendored action, or nil when it is not one that runs here (the
    /// caller records why).
    mutating func externalAction(_ reference: String, at step: Node, job: String, index: Int) -> [Node]? {
        guard let uses = step["uses"], let folder = actionFolder(reference, at: uses) else { return nil }
        guard !inlining.contains(folder.url.path), inlining.count < 4 else {
            error(
                uses, "'\(reference)' uses itself, directly or through other local actions (or nests more than 4 deep)")
            return []
        }
        guard let action = Self.readAction(folder.relative, root: folder.root), case .mapping = action else {
            return nil
        }
        let using = action["runs"]?["using"]?.string ?? ""
        if folder.vendored, let ref = reference.split(separator: "@").last {
            warnUnlessPinned(reference, ref: String(ref), what: "action", at: uses)
        }
        inlining.append(folder.url.path)
        defer { inlining.removeLast() }
        if using == "composite" {
            return composite(action, folder: folder, at: step, job: job, index: index)
        }
        if using.hasPrefix("node") {
            return javaScript(action, folder: folder, at: step, job: job, index: index)
        }
        return nil
    }

    /// A composite action as its steps, inlined into the job: `inputs.<name>` in them reads the
    /// `with:` value or the input's default (passed through env:), `github.action_path` is the
    /// action's folder, and the caller's `id` names a last step that sets the action's `outputs`.
    private mutating func composite(_ action: Node, folder: ActionFolder, at step: Node, job: String, index: Int)
        -> [Node]?
    {
        guard let uses = step["uses"], case .sequence(let steps)? = action["runs"]?["steps"] else { return nil }
        let actionPath = folder.url.path
        // Inputs: the caller's with: values (rendered in the caller's context), else the defaults.
        let (declaredInputs, names) = Self.inputs(of: action, given: step["with"], at: uses, as: Self.inputVariable)
        let inputs =
            [(NodeBuilder.key("GITHUB_ACTION_PATH", at: uses), NodeBuilder.scalar(actionPath, at: uses))]
            + declaredInputs
        // The action's step ids, made unique in the job (it may be used twice).
        var ids: [String: String] = [:]
        for inner in steps {
            if let id = inner["id"]?.string { ids[id] = "_a\(index)_\(id)" }
        }
        var out: [Node] = []
        for inner in steps {
            actionSteps += 1
            guard actionSteps <= Self.maximumActionSteps else {
                if actionSteps == Self.maximumActionSteps + 1 {
                    error(
                        uses,
                        "composite actions add more than \(Self.maximumActionSteps) steps to the workflow; "
                            + "use fewer or smaller actions")
                }
                return out
            }
            // Errors in the action's own file point at the step that uses it.
            let rewritten = NodeBuilder.remark(
                Self.readingInputs(inner, names: names, ids: ids, actionPath: actionPath), at: uses)
            guard case .mapping(var pairs) = rewritten else { continue }
            var env = inputs
            if case .mapping(let own)? = pairs["env"] { env += own.map { ($0.key, $0.value) } }
            pairs[NodeBuilder.key("env", at: uses)] = NodeBuilder.mapping(env, at: uses)
            if pairs["run"] != nil, pairs["shell"] == nil {
                pairs[NodeBuilder.key("shell", at: uses)] = NodeBuilder.scalar("bash", at: uses)
            }
            out += self.step(.mapping(pairs), job: job, position: index, index: index + out.count, defaultShell: nil)
        }
        // The action's outputs, under the caller's step id.
        if let id = step["id"], case .mapping(let outputs)? = action["outputs"] {
            let values = outputs.compactMap { name, spec -> (Node, Node)? in
                guard let value = spec["value"] else { return nil }
                return (
                    NodeBuilder.key(name.string ?? "", at: uses),
                    NodeBuilder.remark(
                        Self.readingInputs(value, names: names, ids: ids, actionPath: actionPath), at: uses)
                )
            }
            out.append(
                NodeBuilder.mapping(
                    [
                        (NodeBuilder.key("id", at: id), id),
                        (NodeBuilder.key("uses", at: uses), NodeBuilder.scalar("gantry/set-outputs", at: uses)),
                        (NodeBuilder.key("with", at: uses), NodeBuilder.mapping(values, at: uses)),
                    ], at: uses))
        }
        return out
    }

    /// A JavaScript action as the steps that run its scripts with `node`, as the runner does: each
    /// input as `INPUT_<NAME>` (the `with:` value, else the default), `GITHUB_ACTION_PATH` its folder;
    /// its outputs through `$GITHUB_OUTPUT` under the step's id; `pre:` right before `main` (when
    /// `pre-if`, default `always()`), `post:` after the job's other steps (when `post-if`, default
    /// `always()`, and `main` ran), with what `main` saved in `$GITHUB_STATE` as `STATE_<name>`.
    private mutating func javaScript(_ action: Node, folder: ActionFolder, at step: Node, job: String, index: Int)
        -> [Node]?
    {
        guard let uses = step["uses"], action["runs"]?["main"]?.string != nil else { return nil }
        var entries: [String: String] = [:]
        for hook in ["pre", "main", "post"] {
            guard let script = action["runs"]?[hook]?.string else { continue }
            let entry = folder.url.appendingPathComponent(script).standardizedFileURL
            guard Self.isInside(entry, folder.root) else {
                error(uses, "the action '\(folder.reference)' runs '\(script)', which is outside its folder")
                return []
            }
            entries[hook] = entry.path
        }
        // The steps of one use of the action share its state (GITHUB_STATE → STATE_*).
        let instance = "\(job)-\(index)"
        let mainID = step["id"]?.string ?? "_js\(index)"
        var env: [(Node, Node)] = [
            (NodeBuilder.key("GITHUB_ACTION_PATH", at: uses), NodeBuilder.scalar(folder.url.path, at: uses)),
            (NodeBuilder.key("GANTRY_ACTION_STATE", at: uses), NodeBuilder.scalar(instance, at: uses)),
        ]
        let (declaredInputs, names) = Self.inputs(
            of: action, given: step["with"], at: uses, as: Self.runnerInputVariable)
        env += declaredInputs
        let given = Set(names)
        // Inputs the action does not declare are given too (GitHub warns and passes them).
        if case .mapping(let with)? = step["with"] {
            for (nameNode, value) in with {
                guard let name = nameNode.string, !given.contains(name) else { continue }
                env.append((NodeBuilder.key(Self.runnerInputVariable(name), at: nameNode), value))
            }
        }
        if case .mapping(let own)? = step["env"] { env += own.map { ($0.key, $0.value) } }
        let name = step["name"]?.string ?? folder.reference
        func script(_ hook: String, condition: String?, keys: [String]) -> Node? {
            guard let entry = entries[hook] else { return nil }
            var pairs: [(Node, Node)] = []
            for key in keys { if let value = step[key] { pairs.append((NodeBuilder.key(key, at: value), value)) } }
            if hook == "main" {
                pairs.append((NodeBuilder.key("id", at: uses), NodeBuilder.scalar(mainID, at: step["id"] ?? uses)))
            }
            if let condition {
                pairs.append((NodeBuilder.key("if", at: uses), NodeBuilder.scalar(condition, at: uses)))
            }
            let entryVariable = (NodeBuilder.key("GANTRY_ACTION_ENTRY", at: uses), NodeBuilder.scalar(entry, at: uses))
            pairs += [
                (
                    NodeBuilder.key("name", at: uses),
                    NodeBuilder.scalar(hook == "main" ? name : "\(hook) \(name)", at: uses)
                ),
                (NodeBuilder.key("run", at: uses), NodeBuilder.scalar("exec node \"$GANTRY_ACTION_ENTRY\"", at: uses)),
                (NodeBuilder.key("shell", at: uses), NodeBuilder.scalar("bash", at: uses)),
                (NodeBuilder.key("env", at: uses), NodeBuilder.mapping(env + [entryVariable], at: uses)),
            ]
            return NodeBuilder.mapping(pairs, at: step)
        }
        let preIf = action["runs"]?["pre-if"]?.string.map(ExpressionRewriter.condition) ?? "always()"
        let postIf = action["runs"]?["post-if"]?.string.map(ExpressionRewriter.condition) ?? "always()"
        var out: [Node] = []
        if let pre = script("pre", condition: "${{ \(preIf) }}", keys: ["working-directory"]) {
            out += self.step(pre, job: job, position: index, index: index, defaultShell: nil)
        }
        if let main = script(
            "main", condition: step["if"]?.string, keys: ["continue-on-error", "timeout-minutes", "working-directory"])
        {
            out += self.step(main, job: job, position: index, index: index + out.count, defaultShell: nil)
        }
        if let post = script(
            "post", condition: "${{ (\(postIf)) && steps.\(mainID).outcome != 'skipped' }}",
            keys: ["working-directory"])
        {
            postSteps.append(post)
        }
        return out
    }

    /// Why an action that is not Gantry's own does not run here.
    func actionProblem(_ reference: String) -> String {
        if reference.hasPrefix("./") {
            guard let root = repositoryRoot else { return "the local action '\(reference)' cannot be read here" }
            let relative = String(reference.dropFirst(2)).split(separator: "@").first.map(String.init) ?? ""
            guard let action = Self.readAction(relative, root: root) else {
                return "the local action '\(reference)' has no readable action.yml in the repository"
            }
            return usingProblem(reference, action)
        }
        guard let directory = actionsDirectory else {
            return "the action '\(reference)' is not available here (Gantry runs actions/checkout, actions/setup-* "
                + "and other tool set-ups, and skips caches; vendor other actions into GANTRY_ACTIONS as "
                + "<owner>/<repo>@<ref>/)"
        }
        let parts = reference.split(separator: "@", maxSplits: 1)
        let path = parts.first.map { $0.split(separator: "/").prefix(2).joined(separator: "/") } ?? reference
        let ref = parts.count > 1 ? String(parts[1]) : ""
        let folder = directory.appendingPathComponent("\(path)@\(ref)")
        guard FileManager.default.fileExists(atPath: folder.path) else {
            return
                "the action '\(reference)' is not vendored: no folder \(path)@\(ref) in \(directory.path) (GANTRY_ACTIONS)"
        }
        let relative = parts.first.map { $0.split(separator: "/").dropFirst(2).joined(separator: "/") } ?? ""
        guard let action = Self.readAction(relative, root: folder) else {
            return "the vendored action '\(reference)' has no readable action.yml"
        }
        return usingProblem(reference, action)
    }

    private func usingProblem(_ reference: String, _ action: Node) -> String {
        let using = action["runs"]?["using"]?.string ?? "unknown"
        return using == "docker"
            ? "the action '\(reference)' is a Docker action: it needs a container engine"
            : "the action '\(reference)' is a '\(using)' action; Gantry runs composite and JavaScript (node) ones"
    }

    /// The action's `action.yml` (or `.yaml`) in the folder `relative` of `root`, or nil.
    static func readAction(_ relative: String, root: URL) -> Node? {
        for name in ["action.yml", "action.yaml"] {
            let path = (relative.hasSuffix("/") || relative.isEmpty ? relative : relative + "/") + name
            guard case .success(let text) = RepositoryFile.read(path, under: root, what: path) else { continue }
            return try? BoundedYAML.compose(text)
        }
        return nil
    }

    /// The action's declared inputs as variables named by `variable`: the `with:` value, else the
    /// default, else empty; and their names.
    static func inputs(of action: Node, given with: Node?, at uses: Node, as variable: (String) -> String) -> (
        [(Node, Node)], [String]
    ) {
        guard case .mapping(let declared)? = action["inputs"] else { return ([], []) }
        var pairs: [(Node, Node)] = []
        var names: [String] = []
        for (nameNode, spec) in declared {
            guard let name = nameNode.string else { continue }
            names.append(name)
            let value = with?[name] ?? spec["default"] ?? NodeBuilder.scalar("", at: uses)
            pairs.append((NodeBuilder.key(variable(name), at: uses), NodeBuilder.remark(value, at: uses)))
        }
        return (pairs, names)
    }

    /// `GANTRY_INPUT_<NAME>`: how an inlined composite step reads an action input.
    static func inputVariable(_ name: String) -> String {
        "GANTRY_INPUT_" + String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// `INPUT_<NAME>`: how the runner gives a JavaScript action an input (spaces become `_`, the
    /// name is upper-cased, hyphens stay).
    static func runnerInputVariable(_ name: String) -> String {
        "INPUT_" + name.replacingOccurrences(of: " ", with: "_").uppercased()
    }

    /// `node` with `inputs.<name>` in its expressions read from the step's environment instead, its
    /// step ids (`id:` and `steps.<id>`) renamed by `ids`, and `github.action_path` the action's folder.
    static func readingInputs(_ node: Node, names: [String], ids: [String: String], actionPath: String? = nil) -> Node {
        ExpressionRewriter.rewrite(node: node, ids: ids) { root, name in
            switch root {
            case "inputs" where names.contains(name): "env.\(inputVariable(name))"
            case "steps": ids[name].map { "steps.\($0)" }
            case "github" where name == "action_path": actionPath.map(ExpressionRewriter.quoted)
            default: nil
            }
        }
    }
}
