import Foundation

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
