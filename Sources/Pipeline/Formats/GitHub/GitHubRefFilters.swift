import GantryCore
import Yams

/// A workflow's branch and tag filters (`on.push.branches`, `branches-ignore`, `tags`, `tags-ignore`;
/// `on.pull_request.branches` for the base branch), checked as GitHub checks them before it starts a
/// run: patterns in order, `!` excluding what earlier ones matched, `*` not crossing `/`, `**` anything.
extension GitHubWorkflowTranslator {
    /// Whether any event of the workflow filters branches or tags (then its trigger matters).
    static func hasRefFilters(_ bodies: [String: Node]) -> Bool {
        bodies.values.contains { body in
            ["branches", "branches-ignore", "tags", "tags-ignore"].contains { body[$0] != nil }
        }
    }

    /// Why the workflow does not run for `trigger`, or nil when it does (or the trigger's branch and
    /// tag are unknown, or its event has no filters).
    static func refFilterProblem(events: [String], bodies: [String: Node], trigger: PipelineTrigger?) -> String? {
        guard let trigger, trigger.branch != nil || trigger.tag != nil else { return nil }
        let event = trigger.githubEvent ?? (events.contains("push") ? "push" : events.first ?? "")
        guard case .mapping(let body)? = bodies[event] else { return nil }
        switch event {
        case "push":
            if let tag = trigger.tag, trigger.branch == nil {
                return problem(
                    ref: tag, kind: "tag", event: event, body: body, own: ("tags", "tags-ignore"),
                    other: ("branches", "branches-ignore"))
            }
            guard let branch = trigger.branch else { return nil }
            return problem(
                ref: branch, kind: "branch", event: event, body: body, own: ("branches", "branches-ignore"),
                other: ("tags", "tags-ignore"))
        case "pull_request", "pull_request_target":
            // The filters name the base branch: what the pull request would merge into.
            let base = trigger.variables["GITHUB_BASE_REF"] ?? trigger.defaultBranch
            return problem(
                ref: base, kind: "base branch", event: event, body: body, own: ("branches", "branches-ignore"),
                other: nil)
        default:
            return nil
        }
    }

    /// Why `ref` does not pass the event's filters of its kind (`own`); with only the other kind's
    /// filters (`tags` for a branch), a ref of this kind does not trigger at all.
    private static func problem(
        ref: String, kind: String, event: String, body: Node.Mapping, own: (String, String), other: (String, String)?
    ) -> String? {
        if let patterns = strings(body[own.0]) {
            return matches(ref, patterns) ? nil : "on.\(event).\(own.0) does not match the \(kind) '\(ref)'"
        }
        if let patterns = strings(body[own.1]) {
            return matches(ref, patterns) ? "on.\(event).\(own.1) matches the \(kind) '\(ref)'" : nil
        }
        if let other, body[other.0] != nil || body[other.1] != nil {
            return
                "on.\(event) filters only \(other.0 == "tags" ? "tags" : "branches"), and this is the \(kind) '\(ref)'"
        }
        return nil
    }

    /// A filter's patterns (one or a list).
    private static func strings(_ node: Node?) -> [String]? {
        guard let node else { return nil }
        if let text = node.scalar?.string { return [text] }
        return node.sequence.map { $0.compactMap(\.string) }
    }

    /// Whether `ref` matches `patterns` in order (`!pattern` unmatches).
    static func matches(_ ref: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if Glob(String(pattern.dropFirst())).matches(ref) { matched = false }
            } else if Glob(pattern).matches(ref) {
                matched = true
            }
        }
        return matched
    }
}
