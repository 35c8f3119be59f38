import Foundation

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
