import Foundation
import GantryCore
import GantryTestSupport
import Pipeline
import Testing

@testable import Engine

/// Templates read with the real git: how firmly each version is pinned, what is refused, and what a
/// template change does to the pipelines that include it.
@Suite struct GitTemplatesTests {
    /// A folder with a template repository `templates` (python.yml at tag v1 with lint and test jobs,
    /// then a commit on main that drops test) and a service repository including it at `version`.
    static func fixture(version: String = "v1") throws -> (TemporaryDirectory, commits: [String]) {
        let directory = try TemporaryDirectory()
        let templates = directory.url.appendingPathComponent("templates")
        let jobs = "jobs:\n  lint:\n    steps:\n      - run: echo lint\n"
        try directory.write(
            "templates/python.yml", jobs + "  test:\n    needs: [lint]\n    steps:\n      - run: echo test\n")
        func git(_ arguments: [String], in folder: URL = templates) throws -> String {
            try runChecked("git", ["-c", "user.email=t@example.com", "-c", "user.name=t"] + arguments, in: folder)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try git(["init", "-q", "-b", "main"])
        _ = try git(["add", "."])
        _ = try git(["commit", "-q", "-m", "v1"])
        _ = try git(["tag", "v1"])
        let first = try git(["rev-parse", "HEAD"])
        try directory.write("templates/python.yml", jobs.replacingOccurrences(of: "echo lint", with: "ruff check ."))
        _ = try git(["commit", "-q", "-am", "drop test"])
        let second = try git(["rev-parse", "HEAD"])
        try directory.write(
            "services/api/gantry.yml",
            "include:\n  - template: ../../templates\n    file: python.yml\n    version: \(version)\njobs:\n  package:\n"
                + "    needs: [lint]\n    steps:\n      - run: echo package\n")
        try directory.write("services/api/ci/local.yml", "env:\n  FROM_FILE: \"yes\"\n")
        return (directory, [first, second])
    }

    static func reference(_ source: String, file: String? = "python.yml", version: String?) -> TemplateReference {
        TemplateReference(
            source: source, file: file, version: version,
            location: SourceLocation(file: "gantry.yml", line: 2, column: 15))
    }

    @Test func versionsArePinnedByTagOrFullCommitAndFloatOtherwise() async throws {
        let (directory, commits) = try Self.fixture()
        defer { directory.remove() }
        let workspace = directory.url.appendingPathComponent("services/api")
        let source = GitTemplates(requirePinned: false)
        func pin(_ version: String?) async throws -> (TemplateUse.Pin, String?) {
            let use = try await source.resolve(
                Self.reference("../../templates", version: version), workspace: workspace
            ).use
            return (use.pin, use.floatingReason)
        }
        #expect(try await pin("v1").0 == .tag)
        #expect(try await pin(commits[0]).0 == .commit)
        #expect(try await pin("main") == (.floating, "'main' is a branch"))
        #expect(try await pin(String(commits[1].prefix(8))).1?.contains("abbreviated commit") == true)
        #expect(try await pin(nil).1?.contains("no version") == true)
        let tagged = try await source.resolve(Self.reference("../../templates", version: "v1"), workspace: workspace)
        #expect(tagged.text.contains("echo test"))
        #expect(tagged.use.commit == commits[0])
        #expect(tagged.use.label == "templates@v1/python.yml")
        // A file of the pipeline's own repository is versioned with it.
        let local = try await source.resolve(
            Self.reference("ci/local.yml", file: nil, version: nil), workspace: workspace)
        #expect(local.use.pin == .file)
        #expect(local.text.contains("FROM_FILE"))
    }

    @Test func whatCannotBeReadIsRefusedAtTheEntry() async throws {
        let (directory, _) = try Self.fixture()
        defer { directory.remove() }
        let workspace = directory.url.appendingPathComponent("services/api")
        let cases: [(TemplateReference, String)] = [
            (Self.reference("https://git.example.com/t.git", version: "v1"), "is remote"),
            (Self.reference("../../templates", version: "v9"), "has no version 'v9'"),
            (Self.reference("../../templates", file: "go.yml", version: "v1"), "has no file 'go.yml' at v1"),
            (Self.reference("../../templates", version: "--output=/tmp/x"), "cannot start with '-'"),
            (Self.reference("../../templates/python.yml", file: nil, version: nil), "is a file outside the repository"),
            (Self.reference("ci/local.yml", file: nil, version: "v1"), "versioned with this repository"),
            (Self.reference("missing", version: "v1"), "does not exist"),
            (Self.reference("ci", version: "v1"), "is a directory but not a git repository"),
        ]
        do {
            _ = try await GitTemplates(requirePinned: false).resolve(cases.map(\.0), workspace: workspace)
            Issue.record("bad templates were read")
        } catch {
            let messages = error.diagnostics.map(\.message)
            #expect(messages.count == cases.count, "\(messages)")
            for (_, expected) in cases {
                #expect(messages.contains { $0.contains(expected) }, "\(expected)\n\(messages)")
            }
        }
    }

    @Test func aTemplateChangeIsShownForEveryPipelineThatIncludesIt() async throws {
        let (directory, _) = try Self.fixture()
        defer { directory.remove() }
        try directory.write("services/web/gantry.yml", "jobs:\n  build:\n    steps:\n      - run: make\n")
        let impacts = await TemplateImpact.assess(
            template: directory.url.appendingPathComponent("templates"), candidate: nil,
            under: [directory.url.appendingPathComponent("services")])
        #expect(impacts.map { URL(fileURLWithPath: $0.file).deletingLastPathComponent().lastPathComponent } == ["api"])
        let api = try #require(impacts.first)
        #expect(api.problem == nil)
        #expect(api.pinned.pin == .tag)
        #expect(api.changes == [.changed("lint", ["steps"]), .removed("test")])
        // The pinned version against itself changes nothing.
        let same = await TemplateImpact.assess(
            template: directory.url.appendingPathComponent("templates"), candidate: "v1",
            under: [directory.url])
        #expect(same.first?.changes == [])
    }

    @Test func aPipelineRunsItsTemplatesJobsAndCIRefusesAFloatingOne() async throws {
        let (directory, _) = try Self.fixture(version: "main")
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("services/api/gantry.yml").path
        let definition = try await LocalTrigger.loadPipeline(path: file, requirePinnedTemplates: false)
        #expect(definition.jobs.map(\.id) == ["lint", "package"])
        #expect(definition.templates.first?.pin == .floating)
        await #expect(throws: DiagnosticsError.self) {
            try await LocalTrigger.loadPipeline(path: file, requirePinnedTemplates: true)
        }
    }
}
