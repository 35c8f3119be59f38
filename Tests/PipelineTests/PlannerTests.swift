import GantryCore
import Testing

@testable import Pipeline

@Suite struct PlannerTests {
    @Test func matrixExpansionWithIncludeAndExclude() {
        let matrix = MatrixDefinition(
            axes: [("os", ["linux", "mac"]), ("swift", ["6.2", "6.3"])],
            include: [
                [("os", "linux"), ("swift", "6.3"), ("coverage", "true")], [("os", "windows"), ("swift", "6.3")],
            ],
            exclude: [[("os", "mac"), ("swift", "6.2")]],
            location: SourceLocation(file: "f", line: 1, column: 1))
        let names = MatrixExpander.combinations(of: matrix).map { MatrixExpander.name(job: "test", combination: $0) }
        #expect(
            names == [
                "test (os=linux, swift=6.2)", "test (os=linux, swift=6.3, coverage=true)", "test (os=mac, swift=6.3)",
                "test (os=windows, swift=6.3)",
            ])
    }

    let pipeline = """
        env:
          MODE: release
        jobs:
          build:
            matrix:
              os: [linux, mac]
            steps: [{ run: echo }]
          docs:
            paths: ["docs/**"]
            steps: [{ run: echo }]
          backend:
            paths-ignore: ["docs/**", "*.md"]
            steps: [{ run: echo }]
          release:
            needs: [build, docs]
            if: ${{ env.MODE == 'debug' }}
            steps: [{ run: echo }]
          notify:
            needs: build
            if: ${{ failure() }}
            steps: [{ run: echo }]
        """

    @Test func levelsAndDecisions() throws {
        let definition = try PipelineParser.parse(text: pipeline, file: "gantry.yml")
        let plan = try Planner(changedFiles: ["docs/guide.md", "README.md"]).plan(definition)
        #expect(plan.levels == [["build (os=linux)", "build (os=mac)", "docs", "backend"], ["release", "notify"]])
        #expect(plan.job(named: "docs")?.decision == .run)
        #expect(
            plan.job(named: "backend")?.decision
                == .skip(.pathFilter("every changed file matches paths-ignore (docs/**, *.md)")))
        #expect(plan.job(named: "release")?.decision == .skip(.condition("${{ env.MODE == 'debug' }}")))
        #expect(plan.job(named: "notify")?.decision == .decidedAtRunTime("${{ failure() }}"))
        #expect(plan.job(named: "release")?.needs == ["build (os=linux)", "build (os=mac)", "docs"])
    }

    @Test func pathFiltersNeedChangedFiles() throws {
        let definition = try PipelineParser.parse(text: pipeline, file: "gantry.yml")
        let unfiltered = try Planner().plan(definition)
        #expect(unfiltered.job(named: "docs")?.decision == .run)
        let codeOnly = try Planner(changedFiles: ["Sources/main.swift"]).plan(definition)
        #expect(codeOnly.job(named: "docs")?.decision == .skip(.pathFilter("no changed file matches paths (docs/**)")))
        #expect(codeOnly.job(named: "backend")?.decision == .run)
    }

    @Test func negatedPathPatterns() {
        let filter = PathFilter(paths: [Glob("src/**"), Glob("!src/**/*.md")], pathsIgnore: [])
        #expect(filter.skipReason(changedFiles: ["src/a.swift"]) == nil)
        #expect(filter.skipReason(changedFiles: ["src/notes.md"]) != nil)
    }

    @Test func jobSelectionIncludesNeeds() throws {
        let definition = try PipelineParser.parse(text: pipeline, file: "gantry.yml")
        let plan = try Planner(selectedJobs: ["release"]).plan(definition)
        let selected = plan.jobs.filter { $0.decision != .skip(.notSelected) }.map(\.name)
        #expect(Set(selected) == ["build (os=linux)", "build (os=mac)", "docs", "release"])
        #expect(throws: InputError.self) { try Planner(selectedJobs: ["relase"]).plan(definition) }
        let single = try Planner(selectedJobs: ["build (os=mac)"]).plan(definition)
        #expect(single.jobs.filter { $0.decision != .skip(.notSelected) }.map(\.name) == ["build (os=mac)"])
    }
}
