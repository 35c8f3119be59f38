import Policy
import Testing

@Suite struct VersionOrderingTests {
    /// Each list is strictly increasing, as the scheme's documentation orders it.
    static let orderings: [(String, [String])] = [
        // PEP 440's own example ordering (plus epochs and normalised spellings).
        (
            "PyPI",
            [
                "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
                "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7",
                "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "2.0", "1!0.1",
            ]
        ),
        // SemVer 2.0 section 11.
        (
            "npm",
            [
                "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0",
            ]
        ),
        ("crates.io", ["0.9.9", "0.10.0", "1.0.0-rc.1", "1.0.0", "1.0.1"]),
        // Go: a v prefix, pseudo-versions are pre-releases of the next patch.
        (
            "Go",
            [
                "v0.0.0-20210630005230-0f9fa26af87c", "v0.1.0", "v1.2.3", "v1.2.4-0.20210101000000-abcdefabcdef",
                "v1.2.4", "v1.10.0", "v2.0.0-rc.1",
            ]
        ),
        // Debian policy: ~ before everything, even the end; epochs first.
        (
            "Debian",
            [
                "1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0", "1.0a", "1.0+b1", "1.0.1", "1.0.1-1", "1.0.1-1ubuntu1",
                "1.0.1-2", "1.0.10", "2.30-1", "1:0.9",
            ]
        ),
    ]

    @Test(arguments: orderings)
    func documentedOrderings(ecosystem: String, versions: [String]) {
        for (index, lower) in versions.enumerated() {
            for higher in versions[(index + 1)...] {
                #expect(EcosystemVersion.compare(lower, higher, ecosystem: ecosystem) == -1, "\(lower) < \(higher)")
                #expect(EcosystemVersion.compare(higher, lower, ecosystem: ecosystem) == 1, "\(higher) > \(lower)")
            }
            #expect(EcosystemVersion.compare(lower, lower, ecosystem: ecosystem) == 0)
        }
    }

    @Test func equivalentSpellings() {
        #expect(EcosystemVersion.compare("1.0", "1.0.0", ecosystem: "PyPI") == 0)
        #expect(EcosystemVersion.compare("1.0alpha1", "1.0a1", ecosystem: "PyPI") == 0)
        #expect(EcosystemVersion.compare("1.0-1", "1.0.post1", ecosystem: "PyPI") == 0)
        #expect(EcosystemVersion.compare("v1.0.0", "1.0.0", ecosystem: "PyPI") == 0)
        #expect(EcosystemVersion.compare("1.0.0+build.5", "1.0.0", ecosystem: "npm") == 0)
        #expect(EcosystemVersion.compare("0:1.0-1", "1.0-1", ecosystem: "Debian") == 0)
        #expect(EcosystemVersion.compare("1.0-01", "1.0-1", ecosystem: "Debian") == 0)
        #expect(EcosystemVersion.compare("not a version", "1.0", ecosystem: "PyPI") == nil)
    }

    /// Property: for random versions the order is total and transitive, in every scheme.
    @Test(arguments: ["PyPI", "npm", "Go", "Debian"])
    func orderIsTotalAndTransitive(ecosystem: String) {
        var random = SeededRandom(seed: 42)
        func part() -> String { String(random.next(below: 4)) }
        func version() -> String {
            let base = "\(part()).\(part()).\(part())"
            switch ecosystem {
            case "PyPI":
                return base
                    + ["", "a\(part())", "rc\(part())", ".post\(part())", ".dev\(part())", "+local\(part())"][
                        random.next(below: 6)]
            case "Debian":
                return ["", "1:"][random.next(below: 2)] + base
                    + ["", "~rc\(part())", "-\(part())", "+b\(part())"][random.next(below: 4)]
            default:
                return (ecosystem == "Go" ? "v" : "") + base
                    + ["", "-alpha", "-alpha.\(part())", "-rc.\(part())", "-\(part())"][random.next(below: 5)]
            }
        }
        let versions = (0..<60).map { _ in version() }
        for a in versions {
            for b in versions {
                guard let ab = EcosystemVersion.compare(a, b, ecosystem: ecosystem),
                    let ba = EcosystemVersion.compare(b, a, ecosystem: ecosystem)
                else {
                    Issue.record("\(a) or \(b) did not parse as \(ecosystem)")
                    return
                }
                #expect(ab == -ba, "\(a) vs \(b)")
            }
        }
        let sorted = versions.sorted { (EcosystemVersion.compare($0, $1, ecosystem: ecosystem) ?? 0) < 0 }
        for index in sorted.indices.dropLast() {
            #expect((EcosystemVersion.compare(sorted[index], sorted[index + 1], ecosystem: ecosystem) ?? 1) <= 0)
        }
        for a in sorted.prefix(15) {
            for b in sorted.prefix(15) where (EcosystemVersion.compare(a, b, ecosystem: ecosystem) ?? 0) < 0 {
                for c in sorted.prefix(15) where (EcosystemVersion.compare(b, c, ecosystem: ecosystem) ?? 0) < 0 {
                    #expect(EcosystemVersion.compare(a, c, ecosystem: ecosystem) == -1, "\(a) < \(b) < \(c)")
                }
            }
        }
    }
}

@Suite struct CVSSTests {
    /// Base scores as NVD and the FIRST calculator give them.
    @Test(arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity.critical),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, .critical),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, .high),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, .high),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, .medium),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, .medium),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, .medium),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, .low),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, .info),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, .critical),
        ("CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, .high),
    ])
    func baseScores(vector: String, score: Double, severity: Severity) throws {
        let parsed = try CVSSVector(vector)
        #expect(parsed.baseScore == score)
        #expect(parsed.severity == severity)
    }

    @Test func invalidVectorsAreRejectedWithTheReason() {
        for (vector, reason) in [
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "is not a CVSS v3.0/v3.1 vector"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "base metric A is missing"),
            ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:X is not a valid value"),
            ("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "malformed metric"),
        ] {
            do {
                _ = try CVSSVector(vector)
                Issue.record("accepted \(vector)")
            } catch {
                #expect(error.description.contains(reason), "\(error)")
            }
        }
    }
}
