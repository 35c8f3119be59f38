import Foundation

/// pip requirements files with exact pins (`name==1.2.3`); unpinned lines are not dependencies we can
/// name. Read under every name projects use: `requirements*.txt` (`-dev`, `-test`, `_prod`, `-ci`…),
/// `*-requirements.txt` (`test-requirements.txt`), any `.txt` in a `requirements/` folder, and
/// `requirements.lock`.
struct PipRequirements: LockfileParser {
    let fileNames = ["requirements*.txt", "*-requirements.txt", "requirements/*.txt", "requirements.lock"]

    func reads(path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        if name == "requirements.lock" { return true }
        guard name.hasSuffix(".txt") else { return false }
        if name.hasPrefix("requirements") || name.hasSuffix("-requirements.txt") || name.hasSuffix("_requirements.txt")
        {
            return true
        }
        let parent = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent.lowercased()
        return parent == "requirements"
    }

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
