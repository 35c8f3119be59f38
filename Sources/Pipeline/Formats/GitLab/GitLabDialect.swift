import Foundation
import GantryCore
import Yams

/// `dialect: gitlab` in a `gantry.yml`: what a pipeline converted from a GitLab CI file (`gantry
/// convert`) keeps of GitLab's runtime, decided for each run as GitLab decides it for each pipeline.
///
/// ```yaml
/// dialect:
///   gitlab:
///     stages: [build, test, deploy]    # the order jobs with `stage:` and no `needs:` wait in
///     workflow:
///       rules: [{if: $CI_COMMIT_TAG}, {if: $CI_COMMIT_BRANCH}]
/// jobs:
///   deploy:
///     stage: deploy
///     rules:
///       - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
///       - when: manual
///     steps: […]
/// ```
///
/// The pipeline gets GitLab's predefined variables (`CI_COMMIT_BRANCH`, `CI_PIPELINE_SOURCE`, …) from
/// the run's trigger, as its first variables. A job may keep `stage`, `rules`, `only`, `except`, `when`
/// and `allow_failure`, written and evaluated as in a GitLab CI file (`GitLabRuleConditions`): a job they leave out
/// is skipped with the reason, `when: manual` is skipped as manual, `on_failure` and `always` become the
/// job's condition, `allow_failure` (the rule's, else the job's, else GitLab's default for manual jobs)
/// lets it fail, rule `variables` join its environment. A job with a
/// `stage` and no `needs` waits for the jobs of the earlier stages that are in this pipeline, and one
/// skipped there does not hold it back.
struct GitLabDialect {
    /// The stages, `.pre` first and `.post` last.
    var stages: [String] = [".pre"] + GitLabCITranslator.defaultStages + [".post"]
    var workflowRules: Node?
    /// Each job's kept GitLab keys, by job id, and whether it has `needs:` of its own.
    private(set) var decisions: [String: [String: Node]] = [:]
    private(set) var explicitNeeds: Set<String> = []

    /// The job keys the dialect reads (the native parser never sees them).
    static let jobKeys = ["stage", "rules", "only", "except", "when", "allow_failure"]
    static let keys = ["stages", "workflow"]

    /// Whether `node` (the value of `dialect:`) names this dialect.
    static func isNamed(by node: Node) -> Bool {
        node.string == "gitlab" || (node.mapping?.count == 1 && node.mapping?.keys.first?.string == "gitlab")
    }

    /// The dialect's settings, or what is wrong with them.
    static func read(_ node: Node, in document: YAMLDocument) -> (GitLabDialect?, [Diagnostic]) {
        func problem(_ at: Node, _ message: String) -> (GitLabDialect?, [Diagnostic]) {
            (nil, [Diagnostic(document.location(at), .error, message)])
        }
        var dialect = GitLabDialect()
        guard let body = node.mapping?.first?.value, !body.isNull else { return (dialect, []) }
        guard case .mapping(let settings) = body else {
            return problem(body, "dialect.gitlab must be a mapping (stages, workflow)")
        }
        for (key, value) in settings {
            switch key.string {
            case "stages":
                guard case .sequence(let items) = value, items.allSatisfy({ $0.string != nil && !$0.isNull }) else {
                    return problem(value, "dialect.gitlab.stages must be a list of stage names")
                }
                let named = items.compactMap(\.string).filter { $0 != ".pre" && $0 != ".post" }
                dialect.stages = [".pre"] + named + [".post"]
            case "workflow":
                guard case .mapping(let workflow) = value else {
                    return problem(value, "dialect.gitlab.workflow must be a mapping with rules")
                }
                for (workflowKey, rules) in workflow {
                    guard workflowKey.string == "rules" else {
                        return problem(
                            workflowKey,
                            "unknown key '\(workflowKey.string ?? "")' in dialect.gitlab.workflow (expected rules)")
                    }
                    dialect.workflowRules = rules
                }
            default:
                let name = key.string ?? ""
                return problem(key, "unknown key '\(name)' in dialect.gitlab\(Suggestion.hint(for: name, in: keys))")
            }
        }
        return (dialect, [])
    }

    /// `document` without the GitLab keys of its jobs, which are kept here.
    mutating func extract(from document: YAMLDocument) -> YAMLDocument {
        guard case .mapping(let top)? = document.root, case .mapping(var jobs)? = top["jobs"] else { return document }
        for (idNode, body) in jobs {
            guard let id = idNode.string, case .mapping(let pairs) = body else { continue }
            var kept: [String: Node] = [:]
            for key in Self.jobKeys { kept[key] = pairs[key] }
            if pairs["needs"] != nil { explicitNeeds.insert(id) }
            guard !kept.isEmpty else { continue }
            decisions[id] = kept
            jobs[idNode] = NodeMerge.removing(Set(Self.jobKeys), from: body)
        }
        let pairs = top.map { key, value in (key, key.string == "jobs" ? Node.mapping(jobs) : value) }
        return document.replacingRoot(.mapping(Node.Mapping(pairs, top.tag, top.style, top.mark)))
    }

    /// Decides the jobs of `definition` for `trigger`; returns the problems found (at their lines).
    func apply(
        to definition: inout PipelineDefinition, trigger: PipelineTrigger, file: String, document: YAMLDocument
    ) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let workspace = PipelineFormat.workspace(forFile: file).standardizedFileURL
        let configPath = FileWalker.relativePath(of: URL(fileURLWithPath: file), to: workspace)
        let predefined = GitLabVariables.predefined(trigger: trigger, workspace: workspace, configPath: configPath)
        // The predefined variables come first: the pipeline's own override them, as in GitLab.
        definition.env =
            predefined.map {
                EnvVar(
                    name: $0.0, value: GitLabVariables.knownAtRunStart.contains($0.0) ? $0.1 : Template.literal($0.1))
            } + definition.env
        var known = GitLabVariables.forRules(predefined)
        for variable in definition.env where !Template.containsExpression(variable.value) {
            known[variable.name] = variable.value
        }
        known.merge(trigger.variables) { $1 }

        var workflowExcluded: String?
        if let rules = workflowRules {
            let conditions = GitLabRuleConditions(
                variables: known, changedFiles: trigger.changedFiles, repositoryRoot: workspace)
            switch conditions.outcome(rules: rules, jobWhen: "always") {
            case .failure(let problem):
                problems.append(
                    Diagnostic(document.location(problem.node), .error, "workflow:rules: \(problem.message)"))
            case .success(let outcome):
                workflowExcluded = outcome.excluded.map { "workflow:" + $0 }
                for (name, value) in outcome.variables {
                    guard let name = name.string else { continue }
                    definition.env.append(EnvVar(name: name, value: Template.literal(value.string ?? "")))
                    known[name] = value.string ?? ""
                }
            }
        }

        var members: [GitLabStages.Member] = []
        for position in definition.jobs.indices {
            var job = definition.jobs[position]
            let kept = decisions[job.id] ?? [:]
            var stage = "test"
            if let node = kept["stage"] {
                if let name = node.string, stages.contains(name) {
                    stage = name
                } else {
                    problems.append(
                        Diagnostic(
                            document.location(node), .error,
                            "job '\(job.id)' is in stage '\(node.string ?? "")', which is not in dialect.gitlab.stages (\(stages.joined(separator: ", ")))"
                        ))
                }
            }
            var jobWhen = "on_success"
            if let node = kept["when"] {
                if let when = node.string, GitLabCITranslator.whenValues.contains(when) {
                    jobWhen = when
                } else {
                    problems.append(
                        Diagnostic(
                            document.location(node), .error,
                            "unknown when '\(node.string ?? "")' (expected \(GitLabCITranslator.whenValues.joined(separator: ", ")))"
                        ))
                }
            }
            var jobKnown = known
            for variable in job.env where !Template.containsExpression(variable.value) {
                jobKnown[variable.name] = variable.value
            }
            jobKnown["CI_JOB_NAME"] = job.name ?? job.id
            jobKnown["CI_JOB_STAGE"] = stage
            let conditions = GitLabRuleConditions(
                variables: jobKnown, changedFiles: trigger.changedFiles, repositoryRoot: workspace)
            var outcome = GitLabJobOutcome(when: jobWhen)
            switch conditions.jobOutcome(
                rules: kept["rules"], only: kept["only"], except: kept["except"], jobWhen: jobWhen,
                jobAllowFailure: kept["allow_failure"].flatMap(GitLabCITranslator.bool), trigger: trigger)
            {
            case .failure(let problem):
                problems.append(
                    Diagnostic(document.location(problem.node), .error, "job '\(job.id)': \(problem.message)"))
            case .success(let decided): outcome = decided
            }
            if let why = workflowExcluded ?? outcome.excluded {
                job.plannedSkip = .rules(why)
            } else if outcome.when == "manual" {
                job.plannedSkip = .manual
            }
            switch outcome.when {
            case "on_failure": job.condition = "failure()"
            case "always": job.condition = "always()"
            default: break
            }
            job.continueOnError = outcome.allowFailure ?? false
            if outcome.needs != nil, let node = kept["rules"] {
                problems.append(
                    Diagnostic(
                        document.location(node), .error,
                        "job '\(job.id)': rules:needs is not supported under dialect: gitlab; write the job's needs: instead"
                    ))
            }
            for (name, value) in outcome.variables {
                guard let name = name.string, EnvVar.isValidName(name) else { continue }
                job.env.append(EnvVar(name: name, value: Template.literal(value.isNull ? "" : value.string ?? "")))
            }
            definition.jobs[position] = job
            members.append(
                GitLabStages.Member(
                    id: job.id, stage: stage,
                    excluded: job.plannedSkip.map { if case .rules = $0 { true } else { false } } ?? false,
                    when: outcome.when, allowFailure: job.continueOnError))
        }
        // Stage order, once every job's rules are decided; a need of a job this pipeline left out is
        // dropped (GitLab refuses such a pipeline unless the need is optional: validate the GitLab file).
        let excluded = Set(members.filter(\.excluded).map(\.id))
        for position in definition.jobs.indices {
            let id = definition.jobs[position].id
            if explicitNeeds.contains(id) { definition.jobs[position].needs.removeAll(where: excluded.contains) }
            guard decisions[id]?["stage"] != nil, !explicitNeeds.contains(id),
                let member = members.first(where: { $0.id == id }),
                let (needed, soft) = GitLabStages.needs(of: member.stage, stages: stages, members: members)
            else { continue }
            definition.jobs[position].needs = needed
            definition.jobs[position].stageNeeds = soft
        }
        return problems
    }
}
