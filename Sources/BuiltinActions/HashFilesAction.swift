import Engine
import Foundation
import GantryCore

/// `uses: gantry/hash-files` with `patterns:` (one glob per line): outputs `digest` (sha256 over the
/// matched files' paths and contents) and `count`. Fails when nothing matches, since a key built from
/// no files is almost always a mistake.
struct HashFilesAction: BuiltinAction {
    static let name = "hash-files"
    static let inputs = ["patterns"]

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        let patterns = (invocation.with["patterns"] ?? "").split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !patterns.isEmpty else { throw ActionError("gantry/hash-files needs 'patterns:' (one glob per line)") }
        let root = invocation.workingDirectory
        let files = FileWalker.files(under: root, matching: patterns.map(Glob.init))
        guard !files.isEmpty else { throw ActionError("no file matches \(patterns.joined(separator: ", "))") }
        var hasher = StreamingHasher()
        for file in files {
            hasher.update(field: file)
            hasher.update(field: try Digest.sha256(fileAt: root.appendingPathComponent(file)).hex)
        }
        invocation.log("hashed \(files.count) file(s)")
        return ["digest": hasher.finalize().description, "count": String(files.count)]
    }
}
