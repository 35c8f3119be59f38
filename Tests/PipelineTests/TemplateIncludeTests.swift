import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// A gantry.yml's pinned templates, merged under the file as GitLab merges `extends`.
@Suite struct TemplateIncludeTests {
    static let template = """
        env:
          SHARED: template
          LEVEL: "1"
        defaults:
          timeout: 10m
        jobs:
          lint:
            steps:
              - run: ruff check .
          test:
            needs: [lint]
            env:
              A: template
            steps:
              - run: pytest
        """

    static func resolved(
        _ text: String = template, source: String = "../templates", version: String? = "v1.2.0",
        pin: TemplateUse.Pin = .tag
    ) -> ResolvedTemplate {
        let reference = TemplateReference(
            source: source, file: "python.yml", version: version,
            location: SourceLocation(file: "gantry.yml", line: 2, column: 15))
        return ResolvedTemplate(
            use: TemplateUse(
                reference: reference, pin: pin, commit: String(repeating: "a", count: 40),
                resolvedPath: "/srv/templates",
                label: "templates@\(version ?? "HEAD")/python.yml",
                floatingReason: pin == .floating ? "'main' is a branch" : nil),
            text: text)
    }

    static let includer = """
        include:
          - template: ../templates
            file: python.yml
            version: v1.2.0
        env:
          LEVEL: "2"
        jobs:
          test:
            env:
              B: own
            timeout: 5m
          package:
            needs: [test]
            steps:
              - run: make dist
        """

    @Test func theFileMergesOverItsTemplatesKeyByKey() throws {
        let definition = try PipelineParser.parse(
            text: Self.includer, file: "gantry.yml", templates: [Self.resolved()])
        #expect(definition.jobs.map(\.id) == ["lint", "test", "package"])
        #expect(definition.env.map { "\($0.name)=\($0.value)" } == ["SHARED=template", "LEVEL=2"])
        let test = try #require(definition.job("test"))
        #expect(test.env.map { "\($0.name)=\($0.value)" } == ["A=template", "B=own"])
        #expect(test.steps.first?.run == "pytest")
        #expect(test.needs == ["lint"])
        #expect(test.timeout == .seconds(300))
        // The template's defaults apply to the file's own jobs too.
        #expect(definition.job("package")?.timeout == .seconds(600))
        #expect(definition.templates.map(\.label) == ["templates@v1.2.0/python.yml"])
    }

    @Test func aTemplatesMistakesPointAtItsOwnLines() {
        let broken = Self.resolved("jobs:\n  lint:\n    stesp:\n      - run: x\n")
        do {
            _ = try PipelineParser.parse(text: Self.includer, file: "gantry.yml", templates: [broken])
            Issue.record("a template with an unknown key was accepted")
        } catch {
            #expect(
                error.diagnostics.map(\.description).contains {
                    $0.hasPrefix("templates@v1.2.0/python.yml:3:5: error: unknown key 'stesp'")
                }, "\(error.diagnostics)")
        }
    }

    @Test func aFloatingTemplateIsRefusedWhenPinsAreRequired() throws {
        let floating = Self.resolved(pin: .floating)
        // Without the requirement it is used (the CLI warns).
        _ = try PipelineParser.parse(text: Self.includer, file: "gantry.yml", templates: [floating])
        #expect(throws: DiagnosticsError.self) {
            try PipelineParser.parse(
                text: Self.includer, file: "gantry.yml", templates: [floating], requirePinnedTemplates: true)
        }
        do {
            _ = try PipelineParser.parse(
                text: Self.includer, file: "gantry.yml", templates: [floating], requirePinnedTemplates: true)
        } catch {
            #expect(
                error.diagnostics.first?.description.hasPrefix(
                    "gantry.yml:2:15: error: the template '../templates' is not pinned: 'main' is a branch") == true)
        }
    }

    @Test func badIncludesAreReportedWhereTheyAre() {
        func problems(_ text: String, templates: [ResolvedTemplate] = []) -> [String] {
            do {
                _ = try PipelineParser.parse(text: text, file: "gantry.yml", templates: templates)
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }
        #expect(
            problems("include:\n  - templte: x\n    version: v1\njobs:\n  a:\n    steps:\n      - run: x\n").contains {
                $0.hasPrefix(
                    "gantry.yml:2:5: error: unknown key 'templte' in an include entry (did you mean 'template'?)")
            })
        #expect(
            problems("include: [ci/x.yml]\njobs:\n  a:\n    steps:\n      - run: x\n").contains {
                $0.hasPrefix("gantry.yml:1:11: error: each include entry must be a mapping")
            })
        #expect(
            problems(Self.includer).contains {
                $0.hasPrefix("gantry.yml:2:15: error: the template '../templates' was not read")
            })
        let nested = Self.resolved("include:\n  - template: other\njobs: {}\n")
        #expect(
            problems(Self.includer, templates: [nested]).contains {
                $0.hasPrefix("templates@v1.2.0/python.yml:2:3: error: a template cannot include other templates")
            })
        let many = "include:\n" + String(repeating: "  - {template: t, version: v1}\n", count: 17) + "jobs: {}\n"
        #expect(problems(many).contains { $0.contains("at most 16 templates") })
    }

    @Test func includesPinnedWithAVersionAreGantrys() {
        let text = "include:\n  - template: ../templates\n    version: v1\n"
        #expect(PipelineParser.templateReferences(text: text, file: "ci.yml").map(\.version) == ["v1"])
        // GitLab's include (no version) in a file that is not named gantry.yml stays GitLab's.
        #expect(
            PipelineParser.templateReferences(
                text: "include:\n  - template: Auto-DevOps.gitlab-ci.yml\n", file: "ci.yml"
            ).isEmpty)
    }
}
