import GantryCore
import Testing

/// TOML as gitleaks configs and pyproject files write it, and clear errors for what is not TOML.
@Suite struct TOMLReaderTests {
    @Test func aGitleaksConfigReads() throws {
        let root = try TOMLReader.parse(
            #"""
            title = "custom"   # a comment

            [extend]
            useDefault = true
            disabledRules = ["generic-api-key", 'aws-access-token',]

            [[rules]]
            id = "internal-token"
            regex = '''itk_[a-z0-9]{32}(?:\s|$)'''
            secretGroup = 0
            entropy = 3.5
            keywords = [
                "itk_",   # the prefix
            ]
            [rules.allowlist]
            regexes = ['''EXAMPLE$''']

            [[rules]]
            id = "second"
            regex = "s2_[0-9]+\\b"
            path = '''(?i)\.env$'''

            [allowlist]
            paths = ['''(^|/)testdata/''', '''\.lock$''']
            stopwords = ["dummy"]
            """#)
        #expect(root["title"]?.string == "custom")
        #expect(root["extend"]?["useDefault"]?.bool == true)
        #expect(
            root["extend"]?["disabledRules"]?.array?.compactMap(\.string) == ["generic-api-key", "aws-access-token"])
        let rules = try #require(root["rules"]?.array)
        #expect(rules.count == 2)
        #expect(rules[0]["regex"]?.string == #"itk_[a-z0-9]{32}(?:\s|$)"#)
        #expect(rules[0]["secretGroup"]?.integer == 0)
        #expect(rules[0]["entropy"]?.number == 3.5)
        #expect(rules[0]["keywords"]?.array?.compactMap(\.string) == ["itk_"])
        #expect(rules[0]["allowlist"]?["regexes"]?.array?.first?.string == "EXAMPLE$")
        #expect(rules[1]["regex"]?.string == #"s2_[0-9]+\b"#)
        #expect(root["allowlist"]?["paths"]?.array?.count == 2)
    }

    @Test func theOtherFormsRead() throws {
        let root = try TOMLReader.parse(
            #"""
            a.b."c d" = 1_000
            hex = 0xff
            float = 6.5e-1
            date = 1979-05-27T07:32:00Z
            local = 1979-05-27 07:32:00
            inline = { x = 1, y = "two" }
            multi = """
            first \
              second
            "quoted\""""
            literal = '''
            raw \n'''
            unicode = "caf\u00e9"
            nested = [[1, 2], ["x"]]
            [[products]]
            name = "one"
            [[products]]
            name = "two"
            [products.details]
            size = 2
            """#)
        #expect(root["a"]?["b"]?["c d"]?.integer == 1000)
        #expect(root["hex"]?.integer == 255)
        #expect(root["float"]?.number == 0.65)
        #expect(root["date"] == .datetime("1979-05-27T07:32:00Z"))
        #expect(root["local"] == .datetime("1979-05-27 07:32:00"))
        #expect(root["inline"]?["y"]?.string == "two")
        #expect(root["multi"]?.string == "first second\n\"quoted\"")
        #expect(root["literal"]?.string == "raw \\n")
        #expect(root["unicode"]?.string == "café")
        #expect(root["nested"]?.array?.count == 2)
        let products = try #require(root["products"]?.array)
        #expect(products.map { $0["name"]?.string } == ["one", "two"])
        #expect(products[1]["details"]?["size"]?.integer == 2)
    }

    @Test(arguments: [
        ("a = 1\na = 2", "2:1: the key 'a' is defined twice"),
        ("[t]\n[t]", "2:1: the table [t] is defined twice"),
        ("a = \"unterminated", "1:5: the string is not closed"),
        ("a = bare", "1:5: 'bare' is not a TOML value (strings need quotes)"),
        ("a = [1, 2", "1:10: the array is not closed with ']'"),
        ("a = \"\\d+\"", "1:6: unknown escape '\\d' (a regex needs '…' or '''…''' strings)"),
        ("a = 1 b = 2", "1:7: expected the end of the line, found 'b'"),
        ("a = 1\n[a]\nb = 2", "2:1: 'a' is a value, not a table"),
        ("= 1", "1:1: expected a key, found '='"),
    ])
    func mistakesAreReportedWhereTheyAre(text: String, message: String) {
        do {
            _ = try TOMLReader.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func deepNestingIsRefused() {
        let text = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse(text) }
    }
}
