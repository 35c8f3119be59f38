import Foundation
import GantryCore

/// The manifest files a Kubernetes deploy reads: one file, or every `.yaml`, `.yml` and `.json` file
/// under a directory (recursively, in path order), never following a path out of its root.
struct KubernetesManifestFiles {
    /// One manifest file: how diagnostics name it, and its text.
    struct Source: Sendable {
        var label: String
        var text: String
    }

    /// Where the manifests were found, for the deploy's output.
    var origin: String
    var sources: [Source]

    /// Files past these are refused: manifests come from the artifact or the checkout, both untrusted.
    static let maximumFiles = 1_000
    static let maximumBytes = 16 << 20

    /// Reads `path` from the first root that has it. `roots` pairs a root directory with how the output
    /// names it (`the artifact`, `the pipeline's directory`).
    init(path: String, roots: [(name: String, directory: URL)]) throws(ReleaseError) {
        for root in roots {
            let candidate = root.directory.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: candidate.path) else { continue }
            let base = root.directory.resolvingSymlinksInPath().standardizedFileURL.path
            var files: [String] = []
            var visited: Set<String> = []
            try Self.collect(candidate, base: base, path: path, into: &files, visited: &visited)
            guard !files.isEmpty else {
                throw .input("\(path) in \(root.name) holds no .yaml, .yml or .json manifest")
            }
            var total = 0
            sources = try files.sorted().map { (relative) throws(ReleaseError) -> Source in
                let url = root.directory.appendingPathComponent(relative)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw .input("cannot read manifest \(relative) in \(root.name)")
                }
                total += data.count
                guard total <= Self.maximumBytes else {
                    throw .input("the manifests under \(path) exceed \(Self.maximumBytes >> 20) MiB: refused")
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw .input("manifest \(relative) in \(root.name) is not UTF-8 text")
                }
                return Source(label: relative, text: text)
            }
            origin = "\(path) from \(root.name)"
            return
        }
        throw .input(
            "no manifests at \(path): looked in \(roots.map(\.name).joined(separator: " and ")) (set deploy.kubernetes.manifests to a file or directory)"
        )
    }

    /// Adds `url` (a file, or the manifest files under a directory) as paths relative to the root,
    /// refusing anything whose real path leaves `base`. A directory reached twice (a symbolic link to
    /// one of its parents) is read once.
    private static func collect(
        _ url: URL, base: String, path: String, into files: inout [String], visited: inout Set<String>
    ) throws(ReleaseError) {
        let real = url.resolvingSymlinksInPath().standardizedFileURL.path
        guard real == base || real.hasPrefix(base + "/") else {
            throw .input("manifest path \(path) leads out of its directory (through a symbolic link): refused")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            files.append(path)
            return
        }
        guard visited.insert(real).inserted else { return }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: real)
        } catch {
            throw .input("cannot list manifest directory \(path): \(FileErrorText.describeRead(error, path: path))")
        }
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let child = path.hasSuffix("/") ? path + entry : path + "/" + entry
            let childURL = url.appendingPathComponent(entry)
            var childIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: childURL.path, isDirectory: &childIsDirectory)
            if childIsDirectory.boolValue {
                try collect(childURL, base: base, path: child, into: &files, visited: &visited)
            } else if [".yaml", ".yml", ".json"].contains(where: { entry.hasSuffix($0) }) {
                try collect(childURL, base: base, path: child, into: &files, visited: &visited)
            }
            guard files.count <= maximumFiles else {
                throw .input("more than \(maximumFiles) manifest files under \(path): refused")
            }
        }
    }
}
