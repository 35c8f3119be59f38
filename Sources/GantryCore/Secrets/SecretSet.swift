import Foundation

/// Secrets for a run, gathered from `--secret NAME=VALUE`, `--secrets-file` (dotenv) and
/// `GANTRY_SECRET_<NAME>` variables; later sources override earlier ones in that order:
/// environment < file < flags.
public struct SecretSet: Sendable {
    public private(set) var values: [String: String] = [:]
    /// Environment variables a value came from: scrubbed from Gantry's own environment block once read.
    public private(set) var environmentSources: Set<String> = []
    /// True when a value was given on the command line as `NAME=VALUE` (visible in the process list
    /// until it is scrubbed): the CLI warns.
    public private(set) var valueOnCommandLine = false

    public init() {}

    /// Adds `GANTRY_SECRET_<NAME>` variables.
    public mutating func add(environment: [String: String]) throws {
        for (key, value) in environment where key.hasPrefix("GANTRY_SECRET_") {
            environmentSources.insert(key)
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

    /// Adds a `--secret` flag: `NAME` takes the value of environment variable `NAME`; `NAME=VALUE` takes
    /// the value given (which the process list shows until Gantry scrubs it).
    public mutating func add(flag: String, environment: [String: String]) throws {
        guard let equals = flag.firstIndex(of: "=") else {
            guard let value = environment[flag] else {
                throw InputError(
                    "--secret \(flag): environment variable \(flag) is not set (export it, or use --secret-file \(flag)=PATH or --secret-stdin \(flag))"
                )
            }
            environmentSources.insert(flag)
            return try add(name: flag, value: value, source: "--secret \(flag) (from the environment)")
        }
        valueOnCommandLine = true
        try add(name: String(flag[..<equals]), value: String(flag[flag.index(after: equals)...]), source: "--secret")
    }

    /// Adds `NAME=PATH`: the value is the file's content without one trailing newline.
    public mutating func add(fileFlag: String) throws {
        guard let equals = fileFlag.firstIndex(of: "="), equals != fileFlag.startIndex else {
            throw InputError("--secret-file expects NAME=PATH")
        }
        let name = String(fileFlag[..<equals])
        let path = String(fileFlag[fileFlag.index(after: equals)...])
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError(
                "--secret-file \(name): cannot read \(path): \(FileErrorText.describeRead(error, path: path))")
        }
        try add(name: name, value: Self.droppingOneNewline(String(decoding: data, as: UTF8.self)), source: path)
    }

    /// Adds `name` with the value read from `input` (standard input) to its end, without one trailing newline.
    public mutating func add(name: String, readingFrom input: FileHandle) throws {
        let data = try input.readToEnd() ?? Data()
        try add(
            name: name, value: Self.droppingOneNewline(String(decoding: data, as: UTF8.self)),
            source: "--secret-stdin \(name)")
    }

    private static func droppingOneNewline(_ text: String) -> String {
        if text.hasSuffix("\r\n") { return String(text.dropLast(2)) }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// Adds one secret after checking its name and length.
    public mutating func add(name: String, value: String, source: String) throws {
        guard VariableName.isValid(name) else {
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
