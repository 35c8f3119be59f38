import Foundation

/// GitLab's predefined CI/CD variables for a pipeline run here, and `$VAR` expansion of variable
/// values as GitLab Runner does it.
enum GitLabVariables {
    /// The variables every job of the pipeline sees, from the trigger. `CI_PIPELINE_ID` and
    /// `CI_JOB_ID` are the run's id, known when it starts (`${{ run.id }}`); rules read them as empty.
    static func predefined(trigger: PipelineTrigger, workspace: URL, configPath: String) -> [(String, String)] {
        let sha = trigger.sha ?? ""
        let refName = trigger.tag ?? trigger.branch ?? ""
        let project = workspace.lastPathComponent
        var variables: [(String, String)] = [
            ("CI", "true"), ("GITLAB_CI", "true"), ("CI_SERVER", "yes"),
            ("CI_COMMIT_SHA", sha), ("CI_COMMIT_SHORT_SHA", String(sha.prefix(8))),
            ("CI_COMMIT_BEFORE_SHA", String(repeating: "0", count: 40)),
            ("CI_COMMIT_REF_NAME", refName), ("CI_COMMIT_REF_SLUG", slug(refName)),
            ("CI_COMMIT_REF_PROTECTED", refName == trigger.defaultBranch ? "true" : "false"),
            ("CI_DEFAULT_BRANCH", trigger.defaultBranch), ("CI_PIPELINE_SOURCE", trigger.source),
            ("CI_PROJECT_DIR", workspace.path), ("CI_BUILDS_DIR", workspace.deletingLastPathComponent().path),
            ("CI_PROJECT_NAME", project), ("CI_PROJECT_PATH", project), ("CI_PROJECT_PATH_SLUG", slug(project)),
            ("CI_PROJECT_TITLE", project), ("CI_CONFIG_PATH", configPath),
            ("CI_PIPELINE_ID", "${{ run.id }}"), ("CI_PIPELINE_IID", "${{ run.id }}"),
        ]
        if let branch = trigger.branch, trigger.tag == nil { variables.append(("CI_COMMIT_BRANCH", branch)) }
        if let tag = trigger.tag { variables.append(("CI_COMMIT_TAG", tag)) }
        if let title = trigger.commitTitle { variables.append(("CI_COMMIT_TITLE", title)) }
        if let message = trigger.commitMessage { variables.append(("CI_COMMIT_MESSAGE", message)) }
        return variables
    }

    /// The predefined variables whose value is an expression known once the run starts (`${{ run.id }}`);
    /// every other predefined value is text (and is escaped where it becomes a job's variable).
    static let knownAtRunStart: Set<String> = ["CI_PIPELINE_ID", "CI_PIPELINE_IID"]

    /// The predefined variables as rules see them: a value known only once the run starts is empty;
    /// the others are their text, whatever it holds (a commit message may contain `${{`).
    static func forRules(_ variables: [(String, String)]) -> [String: String] {
        var known: [String: String] = [:]
        for (name, value) in variables { known[name] = knownAtRunStart.contains(name) ? "" : value }
        return known
    }

    /// `known` with `variables` added in order, each expanded with what is known before it (a value
    /// naming itself reads the earlier definition, as GitLab's expansion does).
    static func adding(_ variables: [EnvVar], to known: [String: String]) -> [String: String] {
        var known = known
        for variable in variables {
            let value = expand(variable.value, known)
            known[variable.name] = value.contains("${{") ? "" : value
        }
        return known
    }

    /// GitLab's slug: lowercase, every character but `a-z0-9` replaced by `-`, at most 63 characters,
    /// no leading or trailing `-`.
    static func slug(_ text: String) -> String {
        let mapped = String(
            text.lowercased().unicodeScalars.map { scalar -> Character in
                ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "-"
            })
        let trimmed = String(mapped.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed
    }

    /// `text` with `$NAME` and `${NAME}` replaced by the values known in `variables`; a reference to a
    /// variable not known there is left as it is, for the job's shell, and so is `$$` (a literal `$`
    /// once the value is final).
    static func expand(_ text: String, _ variables: [String: String], undefinedAsEmpty: Bool = false) -> String {
        replacingReferences(in: text) { variables[$0] ?? (undefinedAsEmpty ? "" : nil) }
    }

    /// `text` with each `$NAME` and `${NAME}` as `${{ env.NAME }}` (read when the job runs), `$$` kept.
    static func environmentReferences(_ text: String) -> String {
        replacingReferences(in: text) { "${{ env.\($0) }}" }
    }

    /// `text` with each `$NAME` or `${NAME}` for which `replacement` has a value replaced by it; the
    /// others, and `$$`, kept as written.
    private static func replacingReferences(in text: String, _ replacement: (String) -> String?) -> String {
        guard text.contains("$") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "$" {
                out.append(contentsOf: ["$", "$"])
                index += 2
            } else if scalars[index] == "$", let (name, end) = reference(in: scalars, at: index),
                let value = replacement(name)
            {
                out.append(contentsOf: value.unicodeScalars)
                index = end
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    /// Whether `text` still refers to a variable (`$NAME` or `${NAME}`, not `$$`).
    static func namesVariable(_ text: String) -> Bool {
        guard text.contains("$") else { return false }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "$" {
                index += 2
            } else if scalars[index] == "$", reference(in: scalars, at: index) != nil {
                return true
            } else {
                index += 1
            }
        }
        return false
    }

    /// The variable named by `$NAME` or `${NAME}` at `index` (a `$`), and the index after it.
    static func reference(in scalars: [Unicode.Scalar], at index: Int) -> (String, Int)? {
        func isName(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_"
        }
        var cursor = index + 1
        guard cursor < scalars.count else { return nil }
        let braced = scalars[cursor] == "{"
        if braced { cursor += 1 }
        let start = cursor
        while cursor < scalars.count, isName(scalars[cursor]) { cursor += 1 }
        guard cursor > start, !("0"..."9").contains(scalars[start]) else { return nil }
        let name = String(String.UnicodeScalarView(scalars[start..<cursor]))
        if braced {
            guard cursor < scalars.count, scalars[cursor] == "}" else { return nil }
            return (name, cursor + 1)
        }
        return (name, cursor)
    }
}
