import Foundation

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
