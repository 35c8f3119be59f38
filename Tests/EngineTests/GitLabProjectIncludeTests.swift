import Foundation
import GantryCore
import GantryTestSupport
import Pipeline
import Testing

@testable import Engine

/// `include: project` read from a local mirror of the project (GANTRY_GITLAB_PROJECTS).
@Suite struct GitLabProjectIncludeTests {
    /// A project `my-group/ci-templates` (tag v1) mirrored bare under `mirrors/`, and a repository whose
    /// .gitlab-ci.yml includes its python.yml.
    static func fixture(ref: String = "v1") throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(
            "source/templates/python.yml",
            "include:\n  - local: /templates/base.yml\nlint:\n  extends: .base\n  script: echo lint $MODE\n")
        try directory.write("source/templates/base.yml", ".base:\n  stage: test\n  variables:\n    MODE: strict\n")
        let source = directory.url.appendingPathComponent("source")
        let git = ["-c", "user.email=t@example.com", "-c", "user.name=t"]
        _ = try runChecked("git", ["init", "-q", "-b", "main"], in: source)
        _ = try runChecked("git", ["add", "."], in: source)
        _ = try runChecked("git", git + ["commit", "-q", "-m", "v1"], in: source)
        _ = try runChecked("git", ["tag", "v1"], in: source)
        _ = try runChecked(
            "git",
            [
                "clone", "-q", "--mirror", source.path,
                directory.url.appendingPathComponent("mirrors/my-group/ci-templates.git").path,
            ],
            in: directory.url)
        try directory.write(
            "repo/.gitlab-ci.yml",
            "include:\n  - project: my-group/ci-templates\n    ref: \(ref)\n    file: /templates/python.yml\n"
                + "test:\n  stage: test\n  script: echo own\n")
        return directory
    }

    @Test func aProjectFileAndItsOwnLocalIncludesComeFromTheMirror() async throws {
        let directory = try Self.fixture()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("repo/.gitlab-ci.yml").path
        let definition = try await LocalTrigger.loadPipeline(
            path: file, gitLabProjects: directory.url.appendingPathComponent("mirrors"))
        #expect(Set(definition.jobs.map(\.id)) == ["lint", "test"])
        #expect(definition.unsupported.isEmpty)
        // base.yml is the project's own file (its local include), not the repository's.
        #expect(definition.job("lint")?.env.contains { $0.name == "MODE" && $0.value == "strict" } == true)
        // Without mirrors: it cannot be read here (run refuses it), not an error.
        let unmirrored = try await LocalTrigger.loadPipeline(path: file, gitLabProjects: nil)
        #expect(
            unmirrored.unsupported.map(\.message) == [
                "include of 'templates/python.yml' from the project 'my-group/ci-templates' cannot be fetched here "
                    + "(name a folder of project mirrors in GANTRY_GITLAB_PROJECTS)"
            ])
    }

    @Test func aMissingRefOrMirrorIsAnErrorAtTheInclude() async throws {
        let directory = try Self.fixture(ref: "v9")
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("repo/.gitlab-ci.yml").path
        do {
            _ = try await LocalTrigger.loadPipeline(
                path: file, gitLabProjects: directory.url.appendingPathComponent("mirrors"))
            Issue.record("a ref the mirror does not have was accepted")
        } catch let error as DiagnosticsError {
            #expect(
                error.diagnostics.map(\.description) == [
                    "\(file):4:11: error: the project 'my-group/ci-templates' has no version 'v9' (a branch, tag or commit of it)"
                ])
        }
        do {
            _ = try await LocalTrigger.loadPipeline(path: file, gitLabProjects: directory.url)
            Issue.record("a project without a mirror was accepted")
        } catch let error as DiagnosticsError {
            #expect(error.diagnostics.first?.message.contains("has no mirror in") == true)
        }
    }
}
