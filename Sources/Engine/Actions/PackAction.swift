import Artifacts
import Foundation

/// `uses: gantry/pack` with `path`, `name` and optional `tag`: packs a directory into a deterministic
/// OCI artifact in the state directory's store. Outputs `digest` (`sha256:…`) and `ref` (`APP@sha256:…`).
struct PackAction: BuiltinAction {
    static let name = "pack"
    static let inputs = ["path", "name", "tag"]

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        guard let path = invocation.with["path"], !path.isEmpty else {
            throw ActionError("gantry/pack needs 'path:' (the directory to pack)")
        }
        guard let name = invocation.with["name"], !name.isEmpty else {
            throw ActionError("gantry/pack needs 'name:' (the application the artifact belongs to)")
        }
        let tag = invocation.with["tag"].flatMap { $0.isEmpty ? nil : $0 }
        let directory =
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : invocation.workingDirectory.appendingPathComponent(path)
        let environment = ProcessInfo.processInfo.environment.merging(invocation.environment) { $1 }
        let packer = DirectoryPacker(mtime: DirectoryPacker.sourceDateEpoch(environment))
        let packed = try ArtifactStore(stateDirectory: invocation.stateDirectory).pack(
            directory, app: name, tag: tag, packer: packer)
        invocation.log("packed \(packed.entries) entries as \(packed.reference) (tag \(packed.tag))")
        return ["digest": packed.digest.description, "ref": packed.reference]
    }
}
