import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// A job's `environment:` — in a `gantry.yml`, a GitHub workflow or a GitLab CI file — protected by the
/// Gantry environment of that name: approvals keep it out of a run, scoped secrets stay with it.
@Suite struct JobEnvironmentTests {
    static let environments = """
        environments:
          staging:
            secrets: [STAGING_TOKEN]
          production:
            requires: staging
            approvals: {count: 2}
            secrets: [PROD_TOKEN]

        """

    /// Parses `workflow` at `.github/workflows/deploy.yml` (or `gitlab` at `.gitlab-ci.yml`) in a
    /// repository whose `gantry.yml` holds `gantryFile`.
    static func parse(workflow: String? = nil, gitlab: String? = nil, gantryFile: String?) throws(DiagnosticsError)
        -> PipelineDefinition
    {
        var files: [String: String] = [:]
        if let gantryFile { files["gantry.yml"] = gantryFile }
        let path = workflow != nil ? ".github/workflows/deploy.yml" : ".gitlab-ci.yml"
        files[path] = workflow ?? gitlab ?? ""
        let root: URL
        do {
            root = try repository(files)
        } catch {
            throw DiagnosticsError([Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error, "\(error)")])
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent(path).path
        return try PipelineParser.parse(text: files[path] ?? "", file: file)
    }

    static func problems(workflow: String? = nil, gitlab: String? = nil, gantryFile: String?) -> [String] {
        do {
            _ = try parse(workflow: workflow, gitlab: gitlab, gantryFile: gantryFile)
            return []
        } catch {
            return error.diagnostics.map(\.message)
        }
    }

    static let deployWorkflow = """
        on: push
        jobs:
          stage:
            runs-on: ubuntu-latest
            environment: Staging
            steps:
              - run: echo "$T"
                env: {T: "${{ secrets.STAGING_TOKEN }}"}
          prod:
            runs-on: ubuntu-latest
            environment:
              name: production
              url: ${{ steps.deployment.outputs.url }}
            steps:
              - id: deployment
                run: echo "$T"
                env: {T: "${{ secrets.PROD_TOKEN }}"}

        """

    @Test func aWorkflowJobOfAnEnvironmentWithApprovalsCannotRunHere() throws {
        let definition = try Self.parse(workflow: Self.deployWorkflow, gantryFile: "name: app\n" + Self.environments)
        #expect(definition.job("prod")?.environment?.name == "production")
        // The url may read the job's steps (GitHub Pages' deploy job does).
        #expect(definition.job("prod")?.environment?.url == "${{ steps.deployment.outputs.url }}")
        #expect(definition.unsupported.map(\.job) == ["prod"])
        let message = try #require(definition.unsupported.first?.message)
        #expect(message.contains("needs 2 approvals"))
        #expect(message.contains("gantry promote"))
        // At the workflow's own line: `name: production`.
        #expect(definition.unsupported.first?.location.line == 12)
        // The staging job (named with capitals, as GitHub allows) is its environment's: no approvals, and
        // it may read the secret staging scopes.
        #expect(definition.job("stage")?.environment?.declared(in: definition.environments) == nil)
        #expect(definition.job("stage")?.secrets == ["STAGING_TOKEN"])
        #expect(definition.warnings.isEmpty)

        var skipped = definition
        skipped.skipUnsupported()
        #expect(skipped.job("prod")?.unsupported?.contains("approvals") == true)
        #expect(skipped.job("stage")?.unsupported == nil)
    }

    @Test func withoutAGantryFileEnvironmentsAreAcceptedAsBefore() throws {
        let definition = try Self.parse(workflow: Self.deployWorkflow, gantryFile: nil)
        #expect(definition.unsupported.isEmpty)
        #expect(definition.warnings.isEmpty)
        #expect(definition.job("prod")?.secrets == ["PROD_TOKEN"])
    }

    @Test func aSecretAnEnvironmentScopesIsReadOnlyByItsJobs() {
        let problems = Self.problems(
            workflow: """
                on: push
                jobs:
                  test:
                    runs-on: ubuntu-latest
                    steps:
                      - run: ./deploy --token "$T"
                        env: {T: "${{ secrets.PROD_TOKEN }}"}
                  other:
                    runs-on: ubuntu-latest
                    environment: staging
                    steps:
                      - run: echo "${{ secrets.PROD_TOKEN }}"

                """, gantryFile: Self.environments)
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.contains("releases only to environment 'production'") })
        #expect(problems.contains { $0.contains("job 'test' reads secret PROD_TOKEN") })
        #expect(problems.contains { $0.contains("add 'environment: production'") })
    }

    @Test func aMisspeltEnvironmentIsAWarningAndAComputedOneIsJudgedByTheStrictest() throws {
        let definition = try Self.parse(
            workflow: """
                on: push
                jobs:
                  typo:
                    runs-on: ubuntu-latest
                    environment: prodution
                    steps: [{run: 'true'}]
                  chosen:
                    runs-on: ubuntu-latest
                    environment: ${{ github.ref_name }}
                    steps: [{run: 'true'}]

                """, gantryFile: Self.environments)
        #expect(definition.warnings.map(\.message).contains { $0.contains("did you mean 'production'") })
        #expect(definition.unsupported.map(\.job) == ["chosen"])
        #expect(definition.unsupported.first?.message.contains("chosen when it runs") == true)
    }

    @Test func environmentsWithoutApprovalsLeaveAComputedNameAlone() throws {
        let definition = try Self.parse(
            workflow: """
                on: push
                jobs:
                  chosen:
                    runs-on: ubuntu-latest
                    environment: ${{ github.ref_name }}
                    steps: [{run: 'true'}]

                """, gantryFile: "environments:\n  dev: {}\n")
        #expect(definition.unsupported.isEmpty)
    }

    @Test func aBrokenEnvironmentsSectionIsReportedNotIgnored() {
        let problems = Self.problems(
            workflow: Self.deployWorkflow,
            gantryFile: "environments:\n  production:\n    approvals: {count: zero}\n")
        #expect(!problems.isEmpty)
        #expect(problems.contains { $0.contains("approvals") })
    }

    @Test func aGitLabDeploymentJobIsProtectedLikeAWorkflowJob() throws {
        let definition = try Self.parse(
            gitlab: """
                stages: [test, deploy]
                variables: {TARGET: production}
                unit:
                  stage: test
                  script: [echo test]
                release:
                  stage: deploy
                  environment:
                    name: $TARGET
                    url: https://$TARGET.example.com
                  script: [./deploy]
                review:
                  stage: deploy
                  environment: staging
                  script: [./deploy]

                """, gantryFile: Self.environments)
        #expect(definition.job("release")?.environment?.name == "production")
        #expect(definition.job("release")?.environment?.url == "https://production.example.com")
        #expect(definition.unsupported.map(\.job) == ["release"])
        #expect(definition.job("review")?.environment?.name == "staging")
    }

    @Test func aNativeJobNamesADeclaredEnvironment() throws {
        let text = """
            jobs:
              deploy-staging:
                environment: staging
                secrets: [STAGING_TOKEN]
                steps: [{run: ./deploy}]
              deploy-prod:
                environment: {name: production, url: "https://example.com"}
                steps: [{run: ./deploy}]
            """ + "\n" + Self.environments
        let definition = try PipelineParser.parse(text: text, file: "gantry.yml")
        #expect(definition.job("deploy-staging")?.environment?.name == "staging")
        #expect(definition.unsupported.map(\.job) == ["deploy-prod"])

        #expect(
            diagnostics("jobs:\n  a:\n    environment: prod\n    steps: [{run: x}]\nenvironments:\n  production: {}\n")
                .contains { $0.contains("job 'a' environment 'prod' is not declared in environments:") })
        #expect(
            diagnostics(
                "jobs:\n  a:\n    secrets: [PROD_TOKEN]\n    steps: [{run: x}]\n" + Self.environments
            ).contains { $0.contains("job 'a' reads secret PROD_TOKEN") })
        #expect(
            diagnostics("jobs:\n  a:\n    environment: {url: x}\n    steps: [{run: x}]\n")
                .contains { $0.contains("environment needs a name") })
        #expect(
            diagnostics("jobs:\n  a:\n    environment: {name: dev, region: eu}\n    steps: [{run: x}]\n")
                .contains { $0.contains("unknown key 'region'") })
    }

    @Test func theEnvironmentTravelsWithTheJobAssignment() throws {
        var job = JobDefinition(
            id: "deploy", location: SourceLocation(file: "gantry.yml", line: 2, column: 3), timeout: .seconds(60))
        job.environment = JobEnvironment(
            name: "staging", url: "https://s.example.com",
            location: SourceLocation(file: "gantry.yml", line: 3, column: 18))
        let decoded = try JSONDecoder().decode(JobDefinition.self, from: JSONEncoder().encode(job))
        #expect(decoded.environment == job.environment)
    }
}
