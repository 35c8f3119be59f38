import Testing

@testable import Pipeline

/// `rules:if` expressions with GitLab's operators, truthiness and undefined-variable rules.
@Suite struct GitLabExpressionTests {
    static let variables = [
        "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main", "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_TAG_NONE": "", "CI_COMMIT_REF_NAME": "release/1.4", "PATTERN": "/^release\\//",
        "DEPLOY": "true",
    ]

    @Test(arguments: [
        ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", true),
        ("$CI_COMMIT_BRANCH == \"main\"", true),
        ("$CI_COMMIT_BRANCH != 'main'", false),
        ("$CI_PIPELINE_SOURCE == \"merge_request_event\"", false),
        ("$CI_COMMIT_TAG", false),
        ("$CI_COMMIT_TAG == null", true),
        ("$CI_COMMIT_TAG != null", false),
        ("$CI_COMMIT_TAG_NONE", false),
        ("$CI_COMMIT_TAG_NONE == \"\"", true),
        ("$CI_COMMIT_TAG_NONE == null", false),
        ("$CI_COMMIT_TAG =~ /^v/", false),
        ("$CI_COMMIT_TAG !~ /^v/", true),
        ("$CI_COMMIT_REF_NAME =~ /^release\\/\\d+\\.\\d+$/", true),
        ("$CI_COMMIT_REF_NAME =~ /^RELEASE/i", true),
        ("$CI_COMMIT_REF_NAME =~ /^RELEASE/", false),
        ("$CI_COMMIT_REF_NAME =~ $PATTERN", true),
        ("${CI_COMMIT_BRANCH} == \"main\" && $DEPLOY", true),
        ("$CI_PIPELINE_SOURCE == \"schedule\" || $CI_COMMIT_BRANCH == \"main\"", true),
        ("$CI_PIPELINE_SOURCE == \"schedule\" || $CI_COMMIT_BRANCH == \"dev\" && $DEPLOY", false),
        ("($CI_PIPELINE_SOURCE == \"schedule\" || $CI_COMMIT_BRANCH == \"main\") && $DEPLOY == \"true\"", true),
        ("$DEPLOY == 'false' || ($CI_COMMIT_TAG && $DEPLOY)", false),
    ])
    func evaluatesAsGitLabDoes(text: String, expected: Bool) throws {
        #expect(try GitLabExpression(text).evaluate(Self.variables) == expected, "\(text)")
    }

    @Test(arguments: [
        ("", "empty"), ("$A ==", "ends where a value"), ("$A == \"x", "unterminated string"),
        ("($A == \"x\"", "missing ')'"), ("$A =~ \"x\"", "needs a /regular expression/"),
        ("$A =~ /(a/", "missing ')'"), ("A == \"x\"", "expected a $VARIABLE"), ("$A == \"x\" junk", "unexpected"),
        ("$ == \"x\"", "variable name"), ("$A =~ /a\\1/", "back-references"),
    ])
    func syntaxErrorsSayWhatIsWrong(text: String, reason: String) {
        do {
            _ = try GitLabExpression(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.message.contains(reason), "\(text): \(error.message)")
        }
    }

    @Test func theVariablesReadAreKnown() throws {
        let expression = try GitLabExpression("$A == $B || ${C}")
        #expect(expression.variables == ["A", "B", "C"])
    }
}
