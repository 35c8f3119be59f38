import Foundation

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
