import Foundation

/// Reads the pinned dependencies of one lockfile format.
protocol LockfileParser: Sendable {
    /// File names this parser reads (exact base names).
    var fileNames: [String] { get }
    /// The components in `text`; `source` is the lockfile's path relative to the scanned root.
    func components(in text: String, source: String) throws -> [Component]
}

/// Every lockfile format Gantry reads.
enum Lockfiles {
    static let parsers: [any LockfileParser] = [
        SwiftPackageResolved(), NPMPackageLock(), PipRequirements(), CargoLock(), GoSum(), PoetryOrUVLock(),
        GemfileLock(),
    ]

    static func parser(for fileName: String) -> (any LockfileParser)? {
        parsers.first { $0.fileNames.contains(fileName) }
    }
}

/// `Package.resolved` (SwiftPM versions 1, 2 and 3).
struct SwiftPackageResolved: LockfileParser {
    let fileNames = ["Package.resolved"]

    func components(in text: String, source: String) throws -> [Component] {
        guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [] }
        let pins =
            (root["pins"] as? [[String: Any]]) ?? ((root["object"] as? [String: Any])?["pins"] as? [[String: Any]])
            ?? []
        return pins.compactMap { pin in
            let location = (pin["location"] as? String) ?? (pin["repositoryURL"] as? String) ?? ""
            let state = pin["state"] as? [String: Any] ?? [:]
            guard let version = (state["version"] as? String) ?? (state["revision"] as? String) else { return nil }
            var path = location.replacingOccurrences(of: "https://", with: "").replacingOccurrences(
                of: "http://", with: "")
            if path.hasSuffix(".git") { path.removeLast(4) }
            let parts = path.split(separator: "/").map(String.init)
            guard let name = parts.last else { return nil }
            return Component(
                ecosystem: "swift", namespace: parts.dropLast().joined(separator: "/"), name: name, version: version,
                source: source)
        }
    }
}

/// `package-lock.json` lockfile versions 2 and 3 (`packages` map).
struct NPMPackageLock: LockfileParser {
    let fileNames = ["package-lock.json", "npm-shrinkwrap.json"]

    func components(in text: String, source: String) throws -> [Component] {
        guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let packages = root["packages"] as? [String: Any]
        else { return [] }
        return packages.compactMap { key, value in
            guard !key.isEmpty, let entry = value as? [String: Any], let version = entry["version"] as? String,
                entry["link"] as? Bool != true, let range = key.range(of: "node_modules/", options: .backwards)
            else { return nil }
            let full = String(key[range.upperBound...])
            if full.hasPrefix("@"), let slash = full.firstIndex(of: "/") {
                return Component(
                    ecosystem: "npm", namespace: String(full[..<slash]),
                    name: String(full[full.index(after: slash)...]),
                    version: version, source: source)
            }
            return Component(ecosystem: "npm", namespace: nil, name: full, version: version, source: source)
        }
    }
}

/// `requirements*.txt` with exact pins (`name==1.2.3`); unpinned lines are not dependencies we can name.
struct PipRequirements: LockfileParser {
    let fileNames = ["requirements.txt", "requirements-dev.txt", "requirements.lock"]

    func components(in text: String, source: String) throws -> [Component] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = raw.split(separator: "#").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty, !line.hasPrefix("-"), let range = line.range(of: "==") else { return nil }
            let name =
                line[..<range.lowerBound].split(separator: "[").first.map(String.init)?.trimmingCharacters(
                    in: .whitespaces) ?? ""
            let version =
                line[range.upperBound...].split(whereSeparator: { $0 == ";" || $0 == " " || $0 == "\\" }).first.map(
                    String.init) ?? ""
            guard !name.isEmpty, !version.isEmpty else { return nil }
            return Component(
                ecosystem: "pypi", namespace: nil, name: Self.normalize(name), version: version, source: source)
        }
    }

    /// PEP 503 name normalization.
    static func normalize(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: ".", with: "-")
    }
}

/// `Cargo.lock` (`[[package]]` tables with `name` and `version`).
struct CargoLock: LockfileParser {
    let fileNames = ["Cargo.lock"]

    func components(in text: String, source: String) throws -> [Component] {
        TOMLPackages.tables(in: text).compactMap { table in
            guard let name = table["name"], let version = table["version"] else { return nil }
            return Component(ecosystem: "cargo", namespace: nil, name: name, version: version, source: source)
        }
    }
}

/// `poetry.lock` and `uv.lock` (`[[package]]` tables).
struct PoetryOrUVLock: LockfileParser {
    let fileNames = ["poetry.lock", "uv.lock"]

    func components(in text: String, source: String) throws -> [Component] {
        TOMLPackages.tables(in: text).compactMap { table in
            guard let name = table["name"], let version = table["version"] else { return nil }
            return Component(
                ecosystem: "pypi", namespace: nil, name: PipRequirements.normalize(name), version: version,
                source: source)
        }
    }
}

/// `go.sum`: one module version per `module version h1:…` line (the `/go.mod` lines are skipped).
struct GoSum: LockfileParser {
    let fileNames = ["go.sum"]

    func components(in text: String, source: String) throws -> [Component] {
        var seen = Set<String>()
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, !fields[1].hasSuffix("/go.mod") else { return nil }
            let module = String(fields[0])
            let version = String(fields[1])
            guard seen.insert("\(module)@\(version)").inserted else { return nil }
            let parts = module.split(separator: "/").map(String.init)
            return Component(
                ecosystem: "golang", namespace: parts.count > 1 ? parts.dropLast().joined(separator: "/") : nil,
                name: parts.last ?? module, version: version, source: source)
        }
    }
}

/// `Gemfile.lock`: the `specs:` entries of the `GEM` section (`    name (version)`).
struct GemfileLock: LockfileParser {
    let fileNames = ["Gemfile.lock"]

    func components(in text: String, source: String) throws -> [Component] {
        var inGem = false
        var result: [Component] = []
        for line in text.components(separatedBy: "\n") {
            if !line.hasPrefix(" ") { inGem = line == "GEM" }
            guard inGem, line.hasPrefix("    "), !line.hasPrefix("      ") else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let open = trimmed.firstIndex(of: "("), trimmed.hasSuffix(")") else { continue }
            let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            let version = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            result.append(Component(ecosystem: "gem", namespace: nil, name: name, version: version, source: source))
        }
        return result
    }
}

/// The `[[package]]` tables of a TOML lockfile, with their simple `key = "value"` pairs.
enum TOMLPackages {
    static func tables(in text: String) -> [[String: String]] {
        var tables: [[String: String]] = []
        var current: [String: String]?
        for raw in text.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                if let table = current { tables.append(table) }
                current = line == "[[package]]" ? [:] : nil
                continue
            }
            guard current != nil, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 else { continue }
            current?[key] = String(value.dropFirst().dropLast())
        }
        if let table = current { tables.append(table) }
        return tables
    }
}
