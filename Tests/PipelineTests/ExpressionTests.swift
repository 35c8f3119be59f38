import Foundation
import Testing

@testable import Pipeline

@Suite struct ExpressionTests {
    let context = ExpressionContext(roots: [
        "env": .object(["NAME": .string("World"), "EMPTY": .string(""), "COUNT": .string("3")]),
        "matrix": .object(["os": .string("linux")]),
        "needs": .object([
            "build": .object(["result": .string("success"), "outputs": .object(["version": .string("1.2.3")])])
        ]),
    ])

    func eval(_ text: String, status: ExpressionContext.Status = .init()) throws -> ExpressionValue {
        var context = self.context
        context.status = status
        return try ExpressionEvaluator.evaluate(try ExpressionParser.parse(text), in: context)
    }

    @Test func aPlaceholderIsFoundWhereverItStarts() {
        for text in ["${{ x }}", "a ${{x}}", "$${{ x }}", "${${{ x }}", "{${{", "é${{"] {
            #expect(Template.containsExpression(text), "\(text)")
        }
        for text in ["", "$", "${", "${ {", "$ {{", "{{ x }}", "$x{{", "${x{", "é"] {
            #expect(!Template.containsExpression(text), "\(text)")
        }
    }

    @Test(
        arguments: [
            ("env.NAME == 'world'", true),  // string comparison ignores case, as in GitHub Actions
            ("env.NAME != 'World'", false),
            ("env.COUNT == 3", true),  // string coerced to number
            ("env.COUNT > 2 && env.COUNT <= 3", true),
            ("!(env.EMPTY)", true),
            ("env.MISSING == null", true),
            ("matrix.os == 'linux' || false", true),
            ("needs.build.outputs.version == '1.2.3'", true),
            ("needs['build'].result == 'success'", true),
            ("contains('hello world', 'WORLD')", true),
            ("startsWith(env.NAME, 'Wo') && endsWith(env.NAME, 'ld')", true),
            ("1 < 2 == true", true),
            ("'abc' < 'abd'", true),
            ("0x10 == 16", true),
            ("(1 == 1) && !(2 == 3)", true),
        ] as [(String, Bool)])
    func evaluatesBooleans(text: String, expected: Bool) throws {
        #expect(try eval(text).isTruthy == expected, "\(text)")
    }

    @Test func functionsProduceValues() throws {
        #expect(try eval("format('{0}-{1}-{{x}}', env.NAME, 7)") == .string("World-7-{x}"))
        #expect(try eval("toJSON(matrix)").stringValue == "{\n  \"os\": \"linux\"\n}")
        #expect(try eval("fromJSON('[1, \"a\", true]')") == .array([.number(1), .string("a"), .bool(true)]))
        #expect(try eval("join(fromJSON('[\"a\",\"b\"]'), '+')") == .string("a+b"))
        #expect(try eval("env.NAME || 'default'") == .string("World"))
        #expect(try eval("env.EMPTY || 'default'") == .string("default"))
    }

    @Test func statusFunctions() throws {
        #expect(try eval("success()").isTruthy)
        #expect(try !eval("failure()").isTruthy)
        #expect(try eval("failure()", status: .init(failed: true)).isTruthy)
        #expect(try !eval("success()", status: .init(failed: true)).isTruthy)
        #expect(try eval("always()", status: .init(failed: true, cancelled: true)).isTruthy)
        #expect(try eval("cancelled()", status: .init(cancelled: true)).isTruthy)
    }

    @Test(arguments: ["", "a ==", "(a", "f(a,", "'unterminated", "\"double\"", "a @ b", "a.", "a[1"])
    func syntaxErrors(text: String) {
        #expect(throws: ExpressionParser.SyntaxError.self) { try ExpressionParser.parse(text) }
    }

    @Test func evaluationErrors() {
        #expect(throws: EvaluationError.self) { try eval("nosuch()") }
        #expect(throws: EvaluationError.self) { try eval("format('{1}', 'a')") }
        #expect(throws: EvaluationError.self) { try eval("fromJSON('{not json')") }
    }

    @Test func templatesInterpolate() throws {
        #expect(try Template.render("Hello ${{ env.NAME }}!", in: context) == "Hello World!")
        #expect(
            try Template.render("v${{ needs.build.outputs.version }}-${{ matrix.os }}", in: context) == "v1.2.3-linux")
        #expect(try Template.render("no expressions", in: context) == "no expressions")
        #expect(try Template.render("${{ '}}' }}", in: context) == "}}")
        #expect(throws: Template.Failure.self) { try Template.render("${{ env.NAME", in: context) }
    }

    @Test func hashFilesIsStableAndContentSensitive() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("src"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: root.appendingPathComponent("src/a.txt"))
        var context = ExpressionContext(workspace: root)
        context.roots = [:]
        let expression = try ExpressionParser.parse("hashFiles('src/**')")
        let first = try ExpressionEvaluator.evaluate(expression, in: context).stringValue
        #expect(first.count == 64)
        #expect(try ExpressionEvaluator.evaluate(expression, in: context).stringValue == first)
        try Data("b".utf8).write(to: root.appendingPathComponent("src/a.txt"))
        #expect(try ExpressionEvaluator.evaluate(expression, in: context).stringValue != first)
        #expect(
            try ExpressionEvaluator.evaluate(try ExpressionParser.parse("hashFiles('nothing/**')"), in: context)
                == .string(""))
    }
}
