import Foundation

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
