import GantryCore
import Testing

@testable import Pipeline

/// Matrices computed from the outputs of needed jobs: read and checked with the file, planned as one
/// entry, and evaluated into a bounded matrix once the needs have run.
@Suite struct ComputedMatrixTests {
    static let workflow = """
        on: push
        jobs:
          setup:
            runs-on: ubuntu-latest
            outputs:
              matrix: ${{ steps.set.outputs.matrix }}
              versions: ${{ steps.set.outputs.versions }}
            steps:
              - id: set
                run: echo ok
          test:
            needs: setup
            runs-on: ubuntu-latest
            strategy:
              matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}
            steps:
              - run: echo ${{ matrix.os }}
          lint:
            needs: setup
            runs-on: ubuntu-latest
            strategy:
              matrix:
                python: ${{ fromJSON(needs.setup.outputs.versions) }}
                tool: [ruff, mypy]
                include: [{ tool: ruff, strict: true }]
            steps:
              - run: echo ${{ matrix.python }} ${{ matrix.tool }}
        """

    static func context(needs outputs: [String: String]) -> ExpressionContext {
        ExpressionContext(roots: [
            "needs": .object([
                "setup": .object(["result": .string("success"), "outputs": .object(strings: outputs.map { ($0, $1) })])
            ])
        ])
    }

    /// The keys of a computed matrix as written (axes, include, exclude).
    static func keys(_ matrix: ComputedMatrix?) -> [String] {
        guard case .object(let members)? = matrix?.template else { return [] }
        return members.map(\.0)
    }

    static func evaluate(_ job: String, _ outputs: [String: String]) throws -> [String] {
        let definition = try PipelineParser.parse(text: workflow, file: ".github/workflows/ci.yml")
        let computed = try #require(definition.job(job)?.computedMatrix)
        let matrix = try MatrixEvaluator.evaluate(computed, job: job, in: context(needs: outputs))
        return MatrixExpander.combinations(of: matrix).map { MatrixExpander.name(job: job, combination: $0) }
    }

    @Test func aWorkflowMatrixFromNeedsIsReadAndPlannedAsOneEntry() throws {
        let definition = try PipelineParser.parse(text: Self.workflow, file: ".github/workflows/ci.yml")
        #expect(definition.unsupported.isEmpty)
        #expect(definition.job("test")?.matrix == nil)
        #expect(definition.job("test")?.computedMatrix?.location.line == 15)
        #expect(Self.keys(definition.job("lint")?.computedMatrix) == ["python", "tool", "include"])
        let plan = try Planner().plan(definition)
        #expect(plan.jobs.map(\.name) == ["setup", "test", "lint"])
        #expect(plan.jobs.map(\.matrixAtRunTime) == [false, true, true])
        let expanded = try #require(plan.job(named: "lint")).expanded([("python", "3.12"), ("tool", "ruff")])
        #expect(expanded.name == "lint (python=3.12, tool=ruff)")
        #expect(!expanded.matrixAtRunTime && expanded.needs == ["setup"])
    }

    @Test func theWholeMatrixOrSomeOfItsAxesComeFromOutputs() throws {
        // Axes of an object an expression gave are sorted by name: the same job names on every run.
        #expect(
            try Self.evaluate("test", ["matrix": #"{"python":["3.12"],"os":["linux","mac"]}"#]) == [
                "test (os=linux, python=3.12)", "test (os=mac, python=3.12)",
            ])
        // Mapping values are kept as objects; include adds to the combinations it fits.
        #expect(
            try Self.evaluate(
                "test", ["matrix": #"{"os":["linux"],"include":[{"os":"linux","config":{"cc":"clang"}}]}"#]) == [
                    #"test (os=linux, config={"cc":"clang"})"#
                ])
        // Written axes keep their order; include entries written in the file apply to computed axes.
        #expect(
            try Self.evaluate("lint", ["versions": #"["3.11", 3.12]"#]) == [
                "lint (python=3.11, tool=ruff, strict=true)", "lint (python=3.11, tool=mypy)",
                "lint (python=3.12, tool=ruff, strict=true)", "lint (python=3.12, tool=mypy)",
            ])
    }

    @Test func aBooleanFromJSONStaysABoolean() throws {
        let definition = try PipelineParser.parse(text: Self.workflow, file: ".github/workflows/ci.yml")
        let computed = try #require(definition.job("test")?.computedMatrix)
        let matrix = try MatrixEvaluator.evaluate(
            computed, job: "test", in: Self.context(needs: ["matrix": #"{"os":["linux"],"experimental":[true]}"#]))
        let combination = try #require(MatrixExpander.combinations(of: matrix).first)
        #expect(MatrixExpander.name(job: "test", combination: combination) == "test (experimental=true, os=linux)")
        let context = ExpressionContext(roots: ["matrix": .matrix(combination)])
        #expect(
            try ExpressionEvaluator.evaluate(try Template.condition("matrix.experimental == true"), in: context)
                == .bool(true))
    }

    @Test func aMatrixThatCannotBeExpandedSaysWhy() throws {
        func failure(_ job: String, _ outputs: [String: String]) -> String {
            do {
                return "expanded to \(try Self.evaluate(job, outputs))"
            } catch let error as MatrixEvaluator.Failure {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        let at = "the matrix of job 'test' (.github/workflows/ci.yml:15:15)"
        #expect(failure("test", ["matrix": "not json"]) == "\(at) cannot be evaluated: fromJSON(): not valid JSON")
        #expect(
            failure("test", ["matrix": #"["linux"]"#])
                == "\(at) is a list, not an object of axes (lists of values), 'include' and 'exclude'")
        #expect(failure("test", ["matrix": #"{"os":"linux"}"#]) == "\(at): axis 'os' is a string, not a list of values")
        #expect(failure("test", ["matrix": #"{"os":[]}"#]) == "\(at): matrix vector 'os' does not contain any values")
        #expect(failure("test", ["matrix": "{}"]) == "\(at) is empty: it has no axis and no include entry")
        #expect(
            failure("test", ["matrix": #"{"os":["a"],"exclude":[{"os":"a"}]}"#])
                == "\(at) is empty after 'exclude': every combination was excluded")
        #expect(
            failure("test", ["matrix": #"{"os":["a"],"exclude":[{"arch":"a"}]}"#])
                == "\(at): exclude entry 1 names 'arch', which is not a matrix axis")
        #expect(
            failure("test", ["matrix": #"{"include":[1]}"#]) == "\(at): 'include' entry 1 is a number, not an object")
    }

    @Test func aComputedMatrixIsBoundedAsAWrittenOneIs() throws {
        func values(_ count: Int) -> String { "[" + (0..<count).map(String.init).joined(separator: ",") + "]" }
        let at = "the matrix of job 'test' (.github/workflows/ci.yml:15:15)"
        // 17 × 17 = 289 jobs; the product of a dozen axes is refused before anything is built.
        let many = #expect(throws: MatrixEvaluator.Failure.self) {
            try Self.evaluate("test", ["matrix": #"{"a":\#(values(17)),"b":\#(values(17))}"#])
        }
        #expect(many?.description == "\(at) has 289 combinations; the limit is 256 jobs per matrix")
        let axes = (0..<12).map { #""axis\#($0)":\#(values(10))"# }.joined(separator: ",")
        #expect(throws: MatrixEvaluator.Failure.self) { try Self.evaluate("test", ["matrix": "{\(axes)}"]) }
        // Values that add up to more than a mebibyte are refused, whatever the job count.
        let long = String(repeating: "x", count: 600_000)
        #expect(throws: MatrixEvaluator.Failure.self) {
            try Self.evaluate("test", ["matrix": #"{"a":["\#(long)","\#(long)"]}"#])
        }
    }

    @Test func theExpressionsOfAMatrixAreChecked() {
        let problems = GitHubWorkflowTests.problems(
            """
            on: push
            jobs:
              a:
                runs-on: ubuntu-latest
                steps: [{ run: 'true' }]
              b:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    os: ${{ fromJSON(needs.a.outputs.x) }}
                    token: ${{ secrets.TOKEN }}
                    self: ${{ matrix.os }}
                    include: 3
                steps: [{ run: 'true' }]
            """)
        #expect(
            problems == [
                ".github/workflows/ci.yml:10:13: error: 'needs.a' refers to a job that 'b' does not list in needs",
                ".github/workflows/ci.yml:11:16: error: secrets are not available in a matrix",
                ".github/workflows/ci.yml:12:15: error: 'matrix' is not available in the matrix itself",
                ".github/workflows/ci.yml:13:18: error: job 'b' matrix.include must be a list of mappings or an expression, found '3'",
            ])
    }

    @Test func aNativePipelineMayComputeItsMatrixToo() throws {
        let text = """
            jobs:
              setup:
                outputs:
                  targets: ${{ steps.list.outputs.targets }}
                steps:
                  - id: list
                    run: echo ok
              build:
                needs: [setup]
                matrix:
                  arch: ${{ fromJSON(needs.setup.outputs.targets) }}
                steps:
                  - run: echo ${{ matrix.arch }}
            """
        let definition = try PipelineParser.parse(text: text, file: "gantry.yml")
        #expect(Self.keys(definition.job("build")?.computedMatrix) == ["arch"])
        #expect(
            diagnostics(text.replacingOccurrences(of: "needs.setup.outputs.targets", with: "needs.setup.outputs.nope"))
                == ["gantry.yml:11:13: error: job 'setup' has no output 'nope'"])
        #expect(
            diagnostics(text.replacingOccurrences(of: "arch: ${{", with: "arch: {a: 1}\n      x: ${{"))
                == [
                    "gantry.yml:11:13: error: job 'build' matrix.arch must be a list of values or an expression, found a mapping"
                ])
    }
}
