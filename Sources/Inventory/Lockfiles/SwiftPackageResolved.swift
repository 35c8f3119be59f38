import Foundation

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
