import Foundation

/// OpenVEX documents (v0.2.0): statements that a product is `not_affected` by a vulnerability are
/// honoured — the matching findings are reported as suppressed with the statement's justification.
public struct OpenVEX: Sendable {
    public struct Statement: Sendable, Hashable {
        /// The vulnerability's name (`CVE-…`, `GHSA-…`) and its aliases.
        public var vulnerabilities: Set<String>
        /// Product and subcomponent identifiers (purls); empty means any.
        public var products: [String]
        public var status: String
        public var justification: String
    }

    public var statements: [Statement]

    public static func load(path: String) throws -> OpenVEX {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VulnerabilityError.input("\(path): cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            (object["@context"] as? String)?.contains("openvex") == true,
            let statements = object["statements"] as? [[String: Any]]
        else { throw VulnerabilityError.input("\(path): not an OpenVEX document (@context and statements)") }
        var parsed: [Statement] = []
        for (index, statement) in statements.enumerated() {
            guard let vulnerability = statement["vulnerability"] as? [String: Any],
                let name = vulnerability["name"] as? String, let status = statement["status"] as? String
            else {
                throw VulnerabilityError.input("\(path): statement \(index + 1) needs vulnerability.name and status")
            }
            var names: Set<String> = [name]
            for alias in vulnerability["aliases"] as? [String] ?? [] { names.insert(alias) }
            var products: [String] = []
            for product in statement["products"] as? [[String: Any]] ?? [] {
                if let id = product["@id"] as? String { products.append(id) }
                for sub in product["subcomponents"] as? [[String: Any]] ?? [] {
                    if let id = sub["@id"] as? String { products.append(id) }
                }
            }
            let justification =
                (statement["justification"] as? String) ?? (statement["impact_statement"] as? String) ?? status
            parsed.append(
                Statement(vulnerabilities: names, products: products, status: status, justification: justification))
        }
        return OpenVEX(statements: parsed)
    }

    /// Suppresses findings a `not_affected` statement covers (by id or alias, and purl when given).
    public func apply(to report: inout ScanReport) {
        for index in report.findings.indices where report.findings[index].suppressed == nil {
            let finding = report.findings[index]
            let ids = Set([finding.ruleID] + Self.aliases(in: finding.message))
            guard
                let statement = statements.first(where: { statement in
                    statement.status == "not_affected" && !statement.vulnerabilities.isDisjoint(with: ids)
                        && (statement.products.isEmpty
                            || statement.products.contains { product in
                                guard let purl = finding.file else { return false }
                                // A product with a version names that version; without one, every version.
                                return product.contains("@") ? purl == product : purl.hasPrefix(product + "@")
                            })
                })
            else { continue }
            report.findings[index].suppressed = Suppression(.vex, "VEX not_affected: \(statement.justification)")
        }
    }

    /// Ids listed after "also " in a vulnerability finding's message.
    static func aliases(in message: String) -> [String] {
        guard let range = message.range(of: "; also ") else { return [] }
        return message[range.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

extension VulnerabilityScanner {
    /// `--compare-to`: findings also present in `baseline` (same vulnerability and package, any version)
    /// stop blocking; returns the added and removed findings for the report.
    public static func compare(_ report: inout ScanReport, to baseline: ScanReport) -> (
        added: [Finding], removed: [Finding]
    ) {
        func key(_ finding: Finding) -> String {
            let package = finding.message.split(separator: "@").first.map(String.init) ?? ""
            return "\(finding.ruleID)|\(package)"
        }
        let before = Set(baseline.findings.map(key))
        let after = Set(report.findings.map(key))
        var added: [Finding] = []
        for index in report.findings.indices {
            if before.contains(key(report.findings[index])) {
                if report.findings[index].suppressed == nil {
                    report.findings[index].suppressed = Suppression(.baseline, "also in the baseline")
                }
            } else {
                added.append(report.findings[index])
            }
        }
        let removed = baseline.findings.filter { !after.contains(key($0)) }
        report.summary["added"] = String(added.count)
        report.summary["removed"] = String(removed.count)
        return (added, removed)
    }
}
