public import Foundation
public import GantryCore

/// Reads OSV records from a zip export (as osv.dev publishes per ecosystem) or a directory of JSON
/// files. A malformed record is skipped with a warning naming its file; it never stops the import.
public struct OSVImport {
    /// A record and its raw JSON.
    public struct Item: Sendable {
        public var record: OSVRecord
        public var json: Data
        /// (ecosystem, normalised name) pairs the record affects.
        public var packages: [(String, String)]
        /// The record's main ecosystem (of its first affected package).
        public var ecosystem: String
    }

    public var items: [Item] = []
    public var warnings: [String] = []

    /// Reads `path`: a `.zip`, a directory (searched recursively for `*.json`) or one JSON file.
    /// Told how many records were read so far.
    private var progress: ProgressHandler?

    public init(path: String, progress: ProgressHandler? = nil) throws {
        self.progress = progress
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VulnerabilityError.input("\(path): no such file or directory")
        }
        if isDirectory.boolValue {
            let root = URL(fileURLWithPath: path)
            let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            var files: [URL] = []
            while let url = enumerator?.nextObject() as? URL {
                if url.pathExtension == "json" { files.append(url) }
            }
            for url in files.sorted(by: { $0.path < $1.path }) {
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    warnings.append("\(url.path): cannot be read; skipped")
                    continue
                }
                add(data, source: url.path)
            }
        } else if path.hasSuffix(".zip") {
            do {
                try ZipReader(contentsOf: URL(fileURLWithPath: path)).forEachEntry { entry in
                    guard entry.name.hasSuffix(".json") else { return }
                    add(entry.data, source: "\(path):\(entry.name)")
                }
            } catch let error as ZipReader.ZipError {
                throw VulnerabilityError.input(error.description)
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw VulnerabilityError.input("\(path): cannot be read")
            }
            add(data, source: path)
        }
    }

    private mutating func add(_ data: Data, source: String) {
        defer {
            progress?(ProgressUpdate(label: "read", done: Int64(items.count + warnings.count), items: "records"))
        }
        do {
            let record = try OSVRecord.decode(data)
            let packages = (record.affected ?? []).compactMap { affected -> (String, String)? in
                guard let package = affected.package else { return nil }
                let ecosystem = package.ecosystem.split(separator: ":").first.map(String.init) ?? package.ecosystem
                return (ecosystem, PackageVersion.normalizedName(package.name, ecosystem: ecosystem))
            }
            items.append(
                Item(record: record, json: data, packages: packages, ecosystem: packages.first?.0 ?? "unknown"))
        } catch {
            warnings.append("\(source): skipped, not a valid OSV record (\(error))")
        }
    }
}
