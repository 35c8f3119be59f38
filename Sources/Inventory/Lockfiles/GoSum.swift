import Foundation

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
