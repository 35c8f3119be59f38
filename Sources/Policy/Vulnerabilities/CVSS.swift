import Foundation

/// CVSS v3.0/v3.1 base scores computed from the vector string with the specification's formulas,
/// including v3.1's Roundup (integer arithmetic, so 4.0000000001 is 4.1 and 4.00000 stays 4.0).
public struct CVSSVector: Sendable, Hashable {
    public let version: String
    public let metrics: [String: String]
    public let baseScore: Double

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let message): message
            }
        }
    }

    public init(_ vector: String) throws(ParseError) {
        let parts = vector.split(separator: "/").map(String.init)
        guard let head = parts.first, head == "CVSS:3.0" || head == "CVSS:3.1" else {
            throw .invalid("'\(vector)' is not a CVSS v3.0/v3.1 vector (it must start with CVSS:3.0/ or CVSS:3.1/)")
        }
        version = String(head.dropFirst(5))
        var metrics: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", maxSplits: 1).map(String.init)
            guard pair.count == 2, metrics[pair[0]] == nil else {
                throw .invalid("'\(vector)': malformed metric '\(part)'")
            }
            metrics[pair[0]] = pair[1]
        }
        let allowed: [String: Set<String>] = [
            "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"], "S": ["U", "C"],
            "C": ["H", "L", "N"], "I": ["H", "L", "N"], "A": ["H", "L", "N"],
        ]
        for (metric, values) in allowed {
            guard let value = metrics[metric] else { throw .invalid("'\(vector)': base metric \(metric) is missing") }
            guard values.contains(value) else { throw .invalid("'\(vector)': \(metric):\(value) is not a valid value") }
        }
        self.metrics = metrics
        let scopeChanged = metrics["S"] == "C"
        let av: Double = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2][metrics["AV"] ?? ""] ?? 0
        let ac: Double = ["L": 0.77, "H": 0.44][metrics["AC"] ?? ""] ?? 0
        let pr: Double =
            switch metrics["PR"] {
            case "N": 0.85
            case "L": scopeChanged ? 0.68 : 0.62
            default: scopeChanged ? 0.5 : 0.27
            }
        let ui: Double = metrics["UI"] == "N" ? 0.85 : 0.62
        let cia: [String: Double] = ["H": 0.56, "L": 0.22, "N": 0.0]
        let c = cia[metrics["C"] ?? ""] ?? 0
        let i = cia[metrics["I"] ?? ""] ?? 0
        let a = cia[metrics["A"] ?? ""] ?? 0
        let iss = 1 - (1 - c) * (1 - i) * (1 - a)
        let changedImpact: Double = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15.0)
        let impact: Double = scopeChanged ? changedImpact : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        let roundUp = version == "3.1" ? Self.roundUp31 : Self.roundUp30
        if impact <= 0 {
            baseScore = 0
        } else if scopeChanged {
            baseScore = roundUp(min(1.08 * (impact + exploitability), 10))
        } else {
            baseScore = roundUp(min(impact + exploitability, 10))
        }
    }

    /// CVSS v3.1 Roundup: the smallest number with one decimal that is ≥ the input, computed on
    /// integers to avoid floating-point surprises.
    static func roundUp31(_ value: Double) -> Double {
        let integer = Int((value * 100_000).rounded())
        if integer % 10_000 == 0 { return Double(integer) / 100_000 }
        return (Double(integer / 10_000) + 1) / 10
    }

    /// CVSS v3.0: ceil to one decimal.
    static func roundUp30(_ value: Double) -> Double { (value * 10).rounded(.up) / 10 }

    /// The qualitative rating of a score.
    public static func severity(of score: Double) -> Severity {
        switch score {
        case 9.0...: .critical
        case 7.0..<9.0: .high
        case 4.0..<7.0: .medium
        case 0.1..<4.0: .low
        default: .info
        }
    }

    public var severity: Severity { Self.severity(of: baseScore) }
}
