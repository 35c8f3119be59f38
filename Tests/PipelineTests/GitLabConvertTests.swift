import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// `gantry convert .gitlab-ci.yml`: a `gantry.yml` with `dialect: gitlab` that decides its jobs for each
/// run as the GitLab CI file does for each pipeline.
@Suite struct GitLabConvertTests {
    /// What decides a job in a pipeline, as text to compare.
    static func decisions(_ definition: PipelineDefinition) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: definition.jobs.map { job in
                (
                    job.id,
                    "skip=\(job.plannedSkip.map(String.init(describing:)) ?? "-") needs=\(job.needs.sorted()) "
                        + "soft=\(job.stageNeeds.sorted()) if=\(job.condition ?? "-") "
                        + "continue=\(job.continueOnError) steps=\(job.steps.count)"
                )
            })
    }

    static let file = """
        stages: [build, test, deploy]
        variables:
          IMAGE: registry.example.com/app:$CI_COMMIT_SHORT_SHA
        workflow:
          name: Pipeline for $CI_COMMIT_REF_NAME
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
            - if: $CI_COMMIT_BRANCH
        build:
          stage: build
          image: node:20
          tags: [docker]
          script: [npm ci, npm run build]
          cache:
            key: $CI_COMMIT_REF_SLUG
            paths: [node_modules/]
        lint:
          stage: test
          script: [npm run lint]
          rules:
            - if: $CI_PIPELINE_SOURCE == "merge_request_event"
              allow_failure: true
        deploy:
          stage: deploy
          script: [./deploy.sh]
          environment:
            name: review/$CI_COMMIT_REF_SLUG
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
              when: manual
            - when: never

        """

    @Test func rulesStagesAndVariablesAreKeptForEachRun() throws {
        let conversion = try PipelineConverter.convert(text: Self.file, file: ".gitlab-ci.yml")
        let text = conversion.text
        #expect(text.contains("name: \"Pipeline for $CI_COMMIT_REF_NAME\""))
        #expect(text.contains("stages: [build, test, deploy]"))
        #expect(text.contains("- if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"))
        // Values the trigger gives are read when the job runs, not frozen at conversion.
        #expect(
            text.contains("key: \"${{ env.CI_COMMIT_REF_SLUG }}\"")
                || text.contains("key: ${{ env.CI_COMMIT_REF_SLUG }}"))
        #expect(text.contains("review/${{ env.CI_COMMIT_REF_SLUG }}"))
        #expect(!text.contains("CI_COMMIT_SHA:"))
        #expect(text.contains("# image: node:20 — dropped"))
        #expect(text.contains("# tags: [docker] — dropped"))

        func decide(_ trigger: PipelineTrigger) throws -> PipelineDefinition {
            try PipelineParser.parse(text: text, file: "gantry.yml", trigger: trigger)
        }
        let main = try decide(PipelineTrigger(sha: String(repeating: "a", count: 40), branch: "main"))
        #expect(main.job("deploy")?.plannedSkip == .manual)
        #expect(main.job("lint")?.plannedSkip.map(String.init(describing:))?.contains("no rule matches") == true)
        // lint is not in this pipeline: deploy waits for build only, and build being skipped would not
        // hold it back.
        #expect(main.job("deploy")?.needs == ["build"])
        #expect(main.job("deploy")?.stageNeeds == ["build"])
        #expect(main.env.contains { $0.name == "CI_COMMIT_SHORT_SHA" && $0.value == "aaaaaaaa" })
        let request = try decide(PipelineTrigger(branch: "feature", source: "merge_request_event"))
        #expect(request.job("lint")?.plannedSkip == nil)
        #expect(request.job("lint")?.continueOnError == true)
        #expect(request.job("deploy")?.plannedSkip.map(String.init(describing:))?.contains("when: never") == true)
        let tag = try decide(PipelineTrigger(tag: "v1.0.0"))
        #expect(tag.jobs.allSatisfy { $0.plannedSkip.map(String.init(describing:))?.contains("workflow:") == true })
    }

    /// A `workflow:rules` rule's variables win over the global ones for the pipeline it creates, and
    /// a job's own `variables:` win over both — converted as in the GitLab file.
    @Test func workflowRuleVariablesOverrideGlobalsButNotAJobsOwn() throws {
        let file = """
            variables:
              DEPLOY_ENV: staging
              REGION: eu
            workflow:
              rules:
                - if: $CI_COMMIT_BRANCH == "main"
                  variables:
                    DEPLOY_ENV: production
                - when: always
            deploy:
              script: [echo "$DEPLOY_ENV"]
            pinned:
              variables:
                DEPLOY_ENV: qa
              script: [echo "$DEPLOY_ENV"]

            """
        let text = try PipelineConverter.convert(text: file, file: ".gitlab-ci.yml").text
        /// The value a job of `definition` sees: its own env, else the pipeline's (later entries win).
        func value(_ name: String, job: String, in definition: PipelineDefinition) -> String? {
            definition.job(job)?.env.last { $0.name == name }?.value
                ?? definition.env.last { $0.name == name }?.value
        }
        for (branch, expected) in [("main", "production"), ("feature", "staging")] {
            let trigger = PipelineTrigger(sha: String(repeating: "a", count: 40), branch: branch)
            let converted = try PipelineParser.parse(text: text, file: "gantry.yml", trigger: trigger)
            let native = try PipelineParser.parse(text: file, file: ".gitlab-ci.yml", trigger: trigger)
            #expect(value("DEPLOY_ENV", job: "deploy", in: converted) == expected, "\(branch)")
            #expect(value("DEPLOY_ENV", job: "deploy", in: native) == expected, "\(branch)")
            #expect(value("DEPLOY_ENV", job: "pinned", in: converted) == "qa", "\(branch)")
            #expect(value("REGION", job: "deploy", in: converted) == "eu", "\(branch)")
        }
    }

    /// `allow_failure`: the matching rule's wins over the job's, and a manual job with
    /// `allow_failure: false` holds later stages back — in the GitLab file and converted alike.
    @Test func allowFailureFollowsGitLabsPrecedence() throws {
        let file = """
            stages: [check, gate, ship]
            lenient:
              stage: check
              allow_failure: true
              script: [exit 1]
              rules:
                - if: $CI_COMMIT_BRANCH == "main"
                  allow_failure: false
                - when: on_success
            approve:
              stage: gate
              when: manual
              allow_failure: false
              script: [echo approve]
            ship:
              stage: ship
              script: [echo ship]

            """
        let conversion = try PipelineConverter.convert(text: file, file: ".gitlab-ci.yml")
        for branch in ["main", "feature"] {
            let trigger = PipelineTrigger(branch: branch)
            let original = try PipelineParser.parse(text: file, file: ".gitlab-ci.yml", trigger: trigger)
            let converted = try PipelineParser.parse(text: conversion.text, file: "gantry.yml", trigger: trigger)
            #expect(Self.decisions(converted) == Self.decisions(original), "\(branch)")
            #expect(original.job("lenient")?.continueOnError == (branch != "main"))
            // The blocking manual job is waited for, and its being skipped holds ship back.
            #expect(original.job("ship")?.needs.contains("approve") == true)
            #expect(original.job("ship")?.stageNeeds.contains("approve") == false)
        }
    }

    @Test func theDialectsMistakesAreReportedAtTheirLines() {
        let base = "dialect:\n  gitlab:\n    stages: [build]\njobs:\n  a:\n"
        #expect(
            diagnostics(base + "    stage: tset\n    steps: [{run: x}]\n").contains {
                $0.hasPrefix("gantry.yml:6:12: error: job 'a' is in stage 'tset'")
            })
        #expect(
            diagnostics(base + "    when: later\n    steps: [{run: x}]\n").contains {
                $0.contains("gantry.yml:6:11: error: unknown when 'later'")
            })
        #expect(
            diagnostics(base + "    rules: [{if: '$A ==', when: always}]\n    steps: [{run: x}]\n").contains {
                $0.contains("invalid expression in if")
            })
        #expect(
            diagnostics("dialect: {gitlab: {stage: [a]}}\njobs:\n  a:\n    steps: [{run: x}]\n").contains {
                $0.contains("unknown key 'stage' in dialect.gitlab (did you mean 'stages'?)")
            })
        // Without the dialect, GitLab's keys are not a gantry.yml's.
        #expect(
            diagnostics("jobs:\n  a:\n    rules: [{when: always}]\n    steps: [{run: x}]\n").contains {
                $0.contains("unknown key 'rules' in job 'a'")
            })
    }
}
