import Foundation
import GantryCore
import Pipeline

/// Secrets for a run, gathered from `--secret NAME=VALUE`, `--secrets-file` (dotenv) and
/// `GANTRY_SECRET_<NAME>` variables; later sources override earlier ones in that order:
/// environment < file < flags.
public struct SecretSet: Sendable {
    public private(set) var values: [String: String] = [:]

    public init() {}

    /// Adds `GANTRY_SECRET_<NAME>` variables.
    public mutating func add(environment: [String: String]) throws {
        for (key, value) in environment where key.hasPrefix("GANTRY_SECRET_") {
            try add(
                name: String(key.dropFirst("GANTRY_SECRET_".count)), value: value, source: "environment variable \(key)"
            )
        }
    }

    /// Adds the entries of a dotenv file: `NAME=value`, optional `export `, quotes, `#` comments.
    public mutating func add(dotenvFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("\(path): cannot read secrets file")
        }
        let text = String(decoding: data, as: UTF8.self)
        for (number, rawLine) in text.components(separatedBy: "\n").enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                // Never echo the line: it may hold a secret.
                throw InputError("\(path):\(number + 1): expected NAME=value")
            }
            let name = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
                if first == "\"" { value = value.replacingOccurrences(of: "\\n", with: "\n") }
            }
            try add(name: name, value: value, source: "\(path):\(number + 1)")
        }
    }

    /// Adds a `NAME=VALUE` flag.
    public mutating func add(flag: String) throws {
        guard let equals = flag.firstIndex(of: "=") else {
            throw InputError("--secret expects NAME=VALUE (got a value without '=')")
        }
        try add(name: String(flag[..<equals]), value: String(flag[flag.index(after: equals)...]), source: "--secret")
    }

    /// Adds one secret after checking its name and length.
    public mutating func add(name: String, value: String, source: String) throws {
        guard EnvVar.isValidName(name) else {
            throw InputError(
                "\(source): invalid secret name '\(name)' (letters, digits and '_', not starting with a digit)")
        }
        guard value.count >= SecretMasker.minimumLength else {
            throw InputError(
                "\(source): secret '\(name)' is shorter than \(SecretMasker.minimumLength) characters; such a value cannot be masked reliably in logs, so it is refused"
            )
        }
        values[name] = value
    }

    /// A masker for every value.
    public var masker: SecretMasker { SecretMasker(secrets: Array(values.values)) }
}
