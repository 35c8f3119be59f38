import ArgumentParser
import Artifacts

/// `gantry artifact pack|list|inspect|unpack|verify|push|pull`: deterministic OCI artifacts in `.gantry/oci/`.
/// Each subcommand lives in `ArtifactCommand+<Name>.swift`.
struct ArtifactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact",
        abstract: "Pack directories into content-addressed OCI artifacts; list, inspect, unpack and verify them.",
        subcommands: [Pack.self, List.self, Inspect.self, Unpack.self, Verify.self, Push.self, Pull.self])

    /// The local store; read-only subcommands pass `create: false` so they never create one.
    static func store(create: Bool = true) throws -> ArtifactStore {
        try StateLocation.services.artifacts(create: create)
    }
}
