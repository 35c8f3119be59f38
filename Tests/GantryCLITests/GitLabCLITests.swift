import Foundation
import GantryTestSupport
import Testing

/// A GitLab CI file run by `gantry run`: found without FILE, rules evaluated for the checkout's branch
/// and for `--var`, manual jobs run by their GitLab name, what cannot run here refused at its line.
@Suite struct GitLabCLITests {
    static func repository(_ pipeline: String, branch: String = "main") throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(".gitlab-ci.yml", pipeline)
        try runChecked("git", ["init", "-q", "-b", branch], in: directory.url)
        try runChecked("git", ["add", "."], in: directory.url)
        try runChecked(
            "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "Add the pipeline"],
            in: directory.url)
        return directory
    }

    static let pipeline = """
        stages: [build, deploy]
        variables:
          TARGET: staging
        build:
          stage: build
          script:
            - echo "building $CI_COMMIT_BRANCH ($CI_COMMIT_TITLE) for $TARGET"
        "deploy:production":
          stage: deploy
          script: echo "deploying to production"
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $TARGET == "production"
              when: manual
        feature-only:
          stage: deploy
          script: echo "feature branch"
          rules:
            - if: $CI_COMMIT_BRANCH =~ /^feature\\//
        """

    @Test func theFileIsFoundRulesSeeTheBranchAndVarsAndManualJobsRunByName() throws {
        let directory = try Self.repository(Self.pipeline)
        defer { directory.remove() }
        let plan = try GantryBinary.run(["plan"], in: directory.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("deploy_production"))
        #expect(plan.stdout.contains("skip: not in this pipeline: rules: no rule matches this pipeline"))
        let run = try GantryBinary.run(["run"], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("building main (Add the pipeline) for staging"))
        #expect(!run.stdout.contains("deploying to production"))
        // A pipeline variable makes the manual job part of the pipeline; --job by its GitLab name runs it.
        let manual = try GantryBinary.run(
            ["run", "--var", "TARGET=production", "--job", "deploy:production"], in: directory.url)
        #expect(manual.status == 0, "\(manual.stdout)\(manual.stderr)")
        #expect(manual.stdout.contains("building main (Add the pipeline) for production"))
        #expect(manual.stdout.contains("deploying to production"))
        // Another pipeline than this push: a tag pipeline, asked for with the predefined variable.
        let tagged = try GantryBinary.run(["plan", "--json", "--var", "CI_COMMIT_TAG=v1.0.0"], in: directory.url)
        let jobs = try #require((tagged.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])
        let decisions = Dictionary(
            uniqueKeysWithValues: jobs.map { ($0["name"] as? String ?? "", $0["decision"] as? String ?? "") })
        #expect(decisions == ["build": "run", "deploy_production": "skip", "feature-only": "skip"], "\(tagged.stdout)")
        let bad = try GantryBinary.run(["run", "--var", "1BAD=x"], in: directory.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--var 1BAD=x: expected NAME=VALUE"))
    }

    @Test func aFeatureBranchGetsItsOwnPipeline() throws {
        let directory = try Self.repository(Self.pipeline, branch: "feature/login")
        defer { directory.remove() }
        let run = try GantryBinary.run(["run"], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("feature branch"))
    }

    @Test func servicesAreRefusedAtTheirLineBeforeAnythingRuns() throws {
        let directory = try Self.repository(
            """
            test:
              services: [postgres:16]
              script: touch ran
            """)
        defer { directory.remove() }
        let run = try GantryBinary.run(["run"], in: directory.url)
        #expect(run.status == 2)
        #expect(
            run.stderr.contains(
                ".gitlab-ci.yml:2:13: error: job 'test': services need a container engine (nothing was run)"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("ran").path))
        let skipped = try GantryBinary.run(["run", "--skip-unsupported"], in: directory.url)
        #expect(skipped.status == 0)
        #expect(skipped.stdout.contains("cannot run here"))
    }
}
