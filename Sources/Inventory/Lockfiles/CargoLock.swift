import Foundation

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
