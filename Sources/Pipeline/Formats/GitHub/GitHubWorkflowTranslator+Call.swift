import Foundation
import GantryCore
import Yams

/// Reusable workflows of the repository (`jobs.<id>.uses: ./.github/workflows/x.yml`) or vendored
/// into the actions folder (`owner/repo/.github/workflows/x.yml@ref`), inlined into the calling
/// workflow as GitHub runs them: the called jobs become jobs of this run, named
/// `<caller> / <job>` (ids `<caller>__<job>`), with `inputs.*` and `secrets.*` in their expressions
/// replaced by what the caller passes (`with:`, `secrets:` or `secrets: inherit`) or the declared
/// defaults. The called jobs wait for the caller's needs; when the caller has an `if`, a job
/// `<caller>__if` holds that condition and they wait for it too. A job `<caller>` keeps the caller's
/// place in the graph: it waits for the called jobs, succeeds when none failed, and carries the
/// workflow's `outputs` (`needs.<caller>.outputs.*` as on GitHub). A caller's `strategy.matrix` is
/// given to each called job.
extension GitHubWorkflowTranslator {
    /// At most this many calls are inlined in one workflow (GitHub allows 20 distinct workflows).
    static let maximumWorkflowCalls = 64
    /// Calls nest at most this deep (GitHub's limit).
    static let maximumCallDepth = 10
    /// At most this many jobs come from called workflows in all (a few calls of a large workflow
    /// would otherwise multiply into a run no one meant).
    static let maximumCalledJobs = 1000
    /// The keys a calling job may have.
    static let callerKeys = [
        "name", "uses", "with", "secrets", "needs", "if", "permissions", "strategy", "concurrency",
    ]

    /// The jobs a call of a reusable workflow becomes, or nil when `body` calls none that is here (a
    /// workflow of another repository that is not vendored is recorded as unsupported by `job`).
    mutating func workflowCall(_ idNode: Node, id: String, body: Node, filters: [(String, Node, Node)]) -> [(
        Node, Node
    )]? {
        guard case .mapping(let caller) = body, let uses = caller["uses"], let reference = uses.string,
            let (root, relative) = calledWorkflowLocation(reference, at: uses)
        else { return nil }
        for (keyNode, _) in caller {
            guard let key = keyNode.string, !Self.callerKeys.contains(key) else { continue }
            error(
                keyNode,
                "jobs.\(id) calls a reusable workflow, so it cannot have '\(key)' "
                    + "(a calling job has \(Self.callerKeys.joined(separator: ", ")))")
        }
        // What stands for a call that cannot be inlined (an error says why).
        var placeholder: [(Node, Node)] {
            [(idNode, Self.placeholderJob(body, outputs: Self.outputsRead(of: id, in: document.root), at: uses))]
        }
        let callKey = root.path + "/" + relative
        guard !callStack.contains(callKey), callStack.count < Self.maximumCallDepth else {
            error(
                uses,
                "'\(reference)' calls itself, directly or through other workflows (or calls nest more than "
                    + "\(Self.maximumCallDepth) deep)")
            return placeholder
        }
        guard workflowCalls < Self.maximumWorkflowCalls else {
            error(uses, "the workflow calls reusable workflows more than \(Self.maximumWorkflowCalls) times")
            return placeholder
        }
        workflowCalls += 1
        guard let called = calledWorkflow(relative, reference: reference, root: root, at: uses, job: id) else {
            return placeholder
        }
        guard let declaration = Self.workflowCallTrigger(called["on"]) else {
            error(uses, "'\(reference)' is not a reusable workflow: its 'on' has no workflow_call")
            return placeholder
        }
        guard case .mapping(let calledJobs)? = called["jobs"], !calledJobs.isEmpty else {
            error(uses, "'\(reference)' has no jobs")
            return placeholder
        }
        let before = calledJobCount
        calledJobCount += calledJobs.count
        guard calledJobCount <= Self.maximumCalledJobs else {
            // Said once, at the call that crosses the limit.
            if before <= Self.maximumCalledJobs {
                error(
                    uses,
                    "the workflow's calls of reusable workflows add more than \(Self.maximumCalledJobs) jobs; "
                        + "call fewer or smaller workflows")
            }
            return placeholder
        }
        let inputs = callInputs(caller, trigger: declaration, id: id, reference: reference, at: uses)
        let secrets = callSecrets(caller, trigger: declaration, id: id, reference: reference, at: uses)
        callStack.append(callKey)
        defer { callStack.removeLast() }

        let prefix = id + "__"
        let calledIDs = Set(calledJobs.keys.compactMap(\.string))
        let replace: ExpressionRewriter.Replace = { root, name in
            switch root {
            case "inputs": inputs[name]
            case "secrets": secrets.inherit || name == "GITHUB_TOKEN" ? nil : (secrets.passed[name] ?? "''")
            case "needs" where calledIDs.contains(name): "needs.\(prefix)\(name)"
            default: nil
            }
        }
        let callerName = caller["name"]?.string ?? id
        let callerNeeds: [Node] = caller["needs"].map { $0.sequence.map(Array.init) ?? [$0] } ?? []
        let gateID = prefix + "if"
        let gated = caller["if"] != nil
        // What must have succeeded for the call to run: the caller's needs, and its condition.
        let required = callerNeeds.compactMap(\.string) + (gated ? [gateID] : [])
        let requiredCondition = required.map { "needs.\($0).result == 'success'" }.joined(separator: " && ")
        var out: [(Node, Node)] = []
        if gated {
            var gate = Self.echoJob(name: "\(callerName) / if", message: "\(reference): called", at: uses)
            if let needs = caller["needs"] { gate.append((NodeBuilder.key("needs", at: needs), needs)) }
            if let condition = caller["if"] { gate.append((NodeBuilder.key("if", at: condition), condition)) }
            if let strategyNode = caller["strategy"], Self.matrixKeys(in: caller["if"] ?? uses).count > 0,
                let matrix = strategy(strategyNode, job: id)
            {
                gate.append((NodeBuilder.key("matrix", at: strategyNode), matrix))
            }
            for (name, keyNode, value) in filters { gate.append((NodeBuilder.key(name, at: keyNode), value)) }
            out.append((NodeBuilder.key(gateID, at: idNode), NodeBuilder.mapping(gate, at: uses)))
        }
        recordUploads(of: calledJobs)
        var inlined: [String] = []
        for (calledIDNode, calledBody) in calledJobs {
            guard let calledID = calledIDNode.string,
                case .mapping(var pairs) = ExpressionRewriter.rewrite(node: calledBody, replace)
            else { continue }
            let newID = prefix + calledID
            var needs: [Node] = (pairs["needs"].map { $0.sequence.map(Array.init) ?? [$0] } ?? []).map { need in
                guard let name = need.string, calledIDs.contains(name) else { return need }
                return NodeBuilder.scalar(prefix + name, at: need)
            }
            needs += callerNeeds
            if gated { needs.append(NodeBuilder.scalar(gateID, at: uses)) }
            if !needs.isEmpty {
                pairs[NodeBuilder.key("needs", at: calledIDNode)] = NodeBuilder.sequence(needs, at: uses)
            }
            pairs[NodeBuilder.key("name", at: calledIDNode)] = NodeBuilder.scalar(
                "\(callerName) / \(pairs["name"]?.string ?? calledID)", at: pairs["name"] ?? calledIDNode)
            // A condition with a status function runs whatever its needs did: it must still wait
            // for the caller's needs and condition (one without runs only when all its needs succeeded).
            if !required.isEmpty, let condition = pairs["if"], let text = condition.string,
                Self.callsStatusFunction(text)
            {
                pairs[NodeBuilder.key("if", at: condition)] = NodeBuilder.scalar(
                    "${{ (\(ExpressionRewriter.condition(text))) && \(requiredCondition) }}", at: condition)
            }
            if case .mapping(let workflowEnv)? = called["env"] {
                let own = pairs["env"]?.mapping
                let inherited = workflowEnv.filter { own?[$0.key] == nil }
                pairs[NodeBuilder.key("env", at: calledIDNode)] = NodeBuilder.mapping(
                    inherited.map { ($0.key, $0.value) } + (own.map { $0.map { ($0.key, $0.value) } } ?? []),
                    at: calledIDNode)
            }
            if pairs["defaults"] == nil, let defaults = called["defaults"] {
                pairs[NodeBuilder.key("defaults", at: defaults)] = defaults
            }
            if let strategyNode = caller["strategy"] {
                if let own = pairs["strategy"] {
                    unsupported(
                        own, job: newID, step: nil,
                        "jobs.\(id) calls '\(reference)' with a matrix, and its job '\(calledID)' has a matrix of its own"
                    )
                } else {
                    pairs[NodeBuilder.key("strategy", at: strategyNode)] = strategyNode
                }
            }
            inlined.append(newID)
            out += jobEntries(
                NodeBuilder.key(newID, at: calledIDNode), id: newID, body: .mapping(pairs), filters: filters)
        }
        // The caller itself: done when the called jobs are (failed when one of them did), with the
        // workflow's outputs.
        let condition = (["!cancelled()"] + (required.isEmpty ? [] : [requiredCondition])).joined(separator: " && ")
        var final = Self.echoJob(
            name: callerName, message: "\(reference): done", before: [Self.failureStep(of: inlined, at: uses)], at: uses
        )
        final.append(
            (
                NodeBuilder.key("needs", at: uses),
                NodeBuilder.sequence((inlined + required).map { NodeBuilder.scalar($0, at: uses) }, at: uses)
            ))
        final.append(
            (NodeBuilder.key("if", at: uses), NodeBuilder.scalar("${{ \(condition) }}", at: uses)))
        if case .mapping(let declared)? = declaration["outputs"] {
            let outputs = declared.compactMap { nameNode, spec -> (Node, Node)? in
                guard let value = spec["value"] else { return nil }
                let rewritten = ExpressionRewriter.rewrite(node: value) { root, name in
                    root == "jobs" && calledIDs.contains(name) ? "needs.\(prefix)\(name)" : replace(root, name)
                }
                return (nameNode, rewritten)
            }
            final.append((NodeBuilder.key("outputs", at: uses), NodeBuilder.mapping(outputs, at: uses)))
        }
        for (name, keyNode, value) in filters { final.append((NodeBuilder.key(name, at: keyNode), value)) }
        out.append((idNode, NodeBuilder.mapping(final, at: uses)))
        return out
    }

    /// Where a called workflow is: `./path` in the repository, or `owner/repo/path@ref` in the
    /// vendored actions folder (`<owner>/<repo>@<ref>/path`, a warning when `ref` is not a commit SHA);
    /// nil when it is neither (recorded as unsupported by `job`).
    mutating func calledWorkflowLocation(_ reference: String, at uses: Node) -> (root: URL, relative: String)? {
        if reference.hasPrefix("./") {
            return repositoryRoot.map { ($0, String(reference.dropFirst(2).prefix { $0 != "@" })) }
        }
        guard let vendored = vendoredLocation(reference), !vendored.relative.isEmpty else { return nil }
        warnUnlessPinned(reference, ref: vendored.ref, what: "workflow", at: uses)
        return (vendored.root, vendored.relative)
    }

    /// The called workflow's node tree, read once; its marks are its own file's (`document.include`).
    /// A file that is not there (a workflow read without its repository) cannot run here, as a
    /// missing local action; one that leaves the repository is an error.
    private mutating func calledWorkflow(_ relative: String, reference: String, root: URL, at uses: Node, job: String)
        -> Node?
    {
        let cacheKey = root.path + "\u{0}" + relative
        if let cached = calledWorkflows[cacheKey] { return cached }
        let text: String
        switch RepositoryFile.read(relative, under: root, what: "the reusable workflow '\(reference)'") {
        case .success(let read): text = read
        case .failure(let problem) where problem.isMissing:
            unsupported(uses, job: job, step: nil, problem.message)
            return nil
        case .failure(let problem):
            error(uses, problem.message)
            return nil
        }
        // Diagnostics name a vendored workflow by its reference (owner/repo/path@ref).
        let label = reference.hasPrefix("./") ? relative : reference
        let padded = document.include(file: label, text: text)
        do {
            guard let node = try BoundedYAML.compose(padded), case .mapping = node else {
                error(uses, "'\(reference)' must hold a workflow: a mapping with 'on' and 'jobs'")
                return nil
            }
            calledWorkflows[cacheKey] = node
            return node
        } catch let problem as BoundedYAML.TooLarge {
            error(uses, "the reusable workflow '\(reference)': \(problem.message)")
        } catch let problem as YamlError {
            var diagnostic = Diagnostic.yaml(problem, file: label)
            // The parser's line counts the padding: give the file's own line.
            diagnostic.location.line = max(1, diagnostic.location.line - (document.firstLine(ofIncluded: label) - 1))
            diagnostics.append(diagnostic)
        } catch {
            self.error(uses, "the reusable workflow '\(reference)' cannot be read: \(error)")
        }
        return nil
    }

    /// Each declared input as an expression: the caller's `with:` value, else the default, else the
    /// type's zero value. A value GitHub would refuse (an undeclared input, a required one missing, a
    /// boolean or number that is not one) is an error at the caller.
    private mutating func callInputs(
        _ caller: Node.Mapping, trigger: Node, id: String, reference: String, at uses: Node
    ) -> [String: String] {
        let declared = trigger["inputs"]?.mapping
        let names = declared?.keys.compactMap(\.string) ?? []
        var given: Node.Mapping?
        if let with = caller["with"] {
            given = with.mapping
            if given == nil { error(with, "jobs.\(id).with must be a mapping of the called workflow's inputs") }
        }
        for (keyNode, _) in given ?? [:] {
            guard let key = keyNode.string, !names.contains(key) else { continue }
            error(
                keyNode,
                "'\(reference)' declares no input '\(key)' (on.workflow_call.inputs)\(Suggestion.hint(for: key, in: names))"
            )
        }
        var values: [String: String] = [:]
        for (nameNode, spec) in declared ?? [:] {
            guard let name = nameNode.string else { continue }
            let type = spec["type"]?.string ?? "string"
            guard let value = given?[name] ?? spec["default"] else {
                if spec["required"]?.string == "true" {
                    error(uses, "jobs.\(id) does not give '\(reference)' its required input '\(name)'")
                }
                values[name] = type == "boolean" ? "false" : type == "number" ? "0" : "''"
                continue
            }
            guard let text = value.string else {
                error(value, "the input '\(name)' must be a \(type), not a list or mapping")
                continue
            }
            if text.contains("${{") {
                values[name] = ExpressionRewriter.expression(fromTemplate: text)
            } else if type == "boolean" {
                guard ["true", "false"].contains(text.lowercased()) else {
                    error(value, "the input '\(name)' of '\(reference)' is a boolean: true or false, not '\(text)'")
                    continue
                }
                values[name] = text.lowercased()
            } else if type == "number" {
                guard let number = Double(text), number.isFinite else {
                    error(value, "the input '\(name)' of '\(reference)' is a number, not '\(text)'")
                    continue
                }
                values[name] = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            } else {
                values[name] = ExpressionRewriter.quoted(text)
            }
        }
        return values
    }

    /// The secrets the called workflow sees: all of the caller's (`secrets: inherit`), or those
    /// passed by name (each an expression).
    private mutating func callSecrets(
        _ caller: Node.Mapping, trigger: Node, id: String, reference: String, at uses: Node
    ) -> (inherit: Bool, passed: [String: String]) {
        let declared = trigger["secrets"]?.mapping
        let names = declared?.keys.compactMap(\.string) ?? []
        var passed: [String: String] = [:]
        switch caller["secrets"] {
        case nil: break
        case .some(.scalar(let scalar)) where scalar.string == "inherit": return (true, [:])
        case .some(.mapping(let mapping)):
            for (keyNode, value) in mapping {
                guard let key = keyNode.string else { continue }
                guard declared == nil || names.contains(key) else {
                    error(
                        keyNode,
                        "'\(reference)' declares no secret '\(key)' (on.workflow_call.secrets)"
                            + Suggestion.hint(for: key, in: names))
                    continue
                }
                passed[key] = ExpressionRewriter.expression(fromTemplate: value.string ?? "")
            }
        case .some(let other):
            error(other, "jobs.\(id).secrets must be 'inherit' or a mapping of secret names to values")
        }
        for (nameNode, spec) in declared ?? [:] {
            guard let name = nameNode.string, passed[name] == nil, spec["required"]?.string == "true" else { continue }
            error(uses, "jobs.\(id) does not pass '\(reference)' its required secret '\(name)'")
        }
        return (false, passed)
    }

    /// The `workflow_call` trigger of `on` (an empty mapping when it declares nothing), or nil.
    static func workflowCallTrigger(_ on: Node?) -> Node? {
        let empty = Node.mapping(Node.Mapping([]))
        switch on {
        case .scalar(let scalar)?: return scalar.string == "workflow_call" ? empty : nil
        case .sequence(let sequence)?: return sequence.contains { $0.string == "workflow_call" } ? empty : nil
        case .mapping(let mapping)?:
            guard let pair = mapping.first(where: { $0.key.string == "workflow_call" }) else { return nil }
            return pair.value.mapping == nil ? empty : pair.value
        default: return nil
        }
    }

    /// Whether a condition calls `success()`, `failure()`, `always()` or `cancelled()`.
    static func callsStatusFunction(_ condition: String) -> Bool {
        let lowered = condition.lowercased().replacingOccurrences(of: " ", with: "")
        return ["success(", "failure(", "always(", "cancelled("].contains { lowered.contains($0) }
    }

    /// A job that prints `message` after the steps `before` (native shape, without `needs` or `if`);
    /// the message starts no process.
    static func echoJob(name: String, message: String, before: [Node] = [], at node: Node) -> [(Node, Node)] {
        let step = NodeBuilder.mapping(
            [
                (NodeBuilder.key("uses", at: node), NodeBuilder.scalar("gantry/echo", at: node)),
                (
                    NodeBuilder.key("with", at: node),
                    NodeBuilder.mapping(
                        [(NodeBuilder.key("message", at: node), NodeBuilder.scalar(message, at: node))], at: node)
                ),
            ], at: node)
        return [
            (NodeBuilder.key("name", at: node), NodeBuilder.scalar(name, at: node)),
            (NodeBuilder.key("steps", at: node), NodeBuilder.sequence(before + [step], at: node)),
        ]
    }

    /// A step that fails, naming them, when any of `jobs` failed or was cancelled (and starts no
    /// process otherwise).
    static func failureStep(of jobs: [String], at node: Node) -> Node {
        let failed = jobs.map { "contains(fromJSON('[\"failure\",\"cancelled\"]'), needs.\($0).result)" }
        let names = jobs.map { "${{ needs.\($0).result }}" }
        let report = zip(jobs, names).map { "\($0)=\($1)" }.joined(separator: " ")
        return NodeBuilder.mapping(
            [
                (NodeBuilder.key("name", at: node), NodeBuilder.scalar("called jobs", at: node)),
                (
                    NodeBuilder.key("if", at: node),
                    NodeBuilder.scalar(
                        "${{ \(failed.isEmpty ? "false" : failed.joined(separator: " || ")) }}", at: node)
                ),
                (
                    NodeBuilder.key("run", at: node),
                    NodeBuilder.scalar("echo \"a called job did not succeed: \(report)\" >&2; exit 1", at: node)
                ),
            ], at: node)
    }

    /// A stand-in for a call that cannot be inlined (an error or an unsupported construct says why):
    /// keeps the jobs that need it, and read its `outputs`, valid.
    static func placeholderJob(_ body: Node, outputs: [String], at node: Node) -> Node {
        var pairs = echoJob(name: body["name"]?.string ?? "", message: "not run", at: node)
        if body["name"] == nil { pairs.removeFirst() }
        if let needs = body["needs"] { pairs.append((NodeBuilder.key("needs", at: needs), needs)) }
        if !outputs.isEmpty {
            let values = outputs.map { (NodeBuilder.key($0, at: node), NodeBuilder.scalar("", at: node)) }
            pairs.append((NodeBuilder.key("outputs", at: node), NodeBuilder.mapping(values, at: node)))
        }
        return NodeBuilder.mapping(pairs, at: node)
    }

    /// The outputs of job `id` that expressions in `node` read (`needs.<id>.outputs.<name>`).
    static func outputsRead(of id: String, in node: Node?) -> [String] {
        names(after: "needs.\(id).outputs.", in: node).sorted()
    }
}
