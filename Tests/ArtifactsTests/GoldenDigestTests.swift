import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Artifacts

/// Pinned bytes: a fixed tree packs to a fixed digest. A toolchain, encoder or model change that moves
/// it fails here, instead of silently changing every artifact's digest.
@Suite struct GoldenDigestTests {
    @Test func aFixedTreePacksToAFixedDigest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/VERSION", "1.0.0\n")
        try directory.write("app/bin/run.sh", "#!/bin/sh\necho hello\n")
        try directory.write("app/empty/.keep", "")
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: directory.url.appendingPathComponent("app/bin/run.sh").path)
        try FileManager.default.createSymbolicLink(
            atPath: directory.url.appendingPathComponent("app/current").path, withDestinationPath: "VERSION")
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let packed = try store.pack(
            directory.url.appendingPathComponent("app"), app: "web", tag: "v1",
            packer: DirectoryPacker(mtime: 1_700_000_000))
        #expect(
            packed.layer.digest.description == "sha256:3050ff69b099d322f131660ed1e71f176ff694da6215cdace20e97b75b3eba40"
        )
        #expect(packed.digest.description == "sha256:03bfcffc19dcd4ac10c2b19629882791152d953886e87e06c6fd19d2e6da8937")
    }
}
