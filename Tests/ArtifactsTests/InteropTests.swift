import Foundation
import GantryTestSupport
import Testing

@testable import Artifacts

/// The embedded store is a real OCI image layout: skopeo and umoci (installed by scripts/bootstrap) read it.
@Suite struct InteropTests {
    func packedStore() throws -> (TemporaryDirectory, ArtifactStore, PackedArtifact) {
        let directory = try TemporaryDirectory()
        try directory.write("app/bin/serve", "#!/bin/sh\necho serving\n")
        chmod(directory.url.appendingPathComponent("app/bin/serve").path, 0o755)
        try directory.write("app/config/settings.json", "{\"port\": 8080}\n")
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let packed = try store.pack(directory.url.appendingPathComponent("app"), app: "web", tag: "1.0")
        return (directory, store, packed)
    }

    @Test func skopeoInspectsTheLayout() throws {
        let (directory, store, packed) = try packedStore()
        defer { directory.remove() }
        let output = try runChecked("/usr/bin/skopeo", ["inspect", "oci:\(store.layout.root.path):web:1.0"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(object["Digest"] as? String == packed.digest.description)
        #expect(object["Layers"] as? [String] == [packed.layer.digest.description])
        // skopeo copies it to another layout and, told to keep it as it is, the digest survives the trip.
        let copy = directory.url.appendingPathComponent("copy")
        _ = try runChecked(
            "/usr/bin/skopeo",
            [
                "copy", "--preserve-digests", "--dest-oci-accept-uncompressed-layers",
                "oci:\(store.layout.root.path):web:1.0", "oci:\(copy.path):web:1.0",
            ])
        let copied = try runChecked("/usr/bin/skopeo", ["inspect", "oci:\(copy.path):web:1.0"])
        #expect(copied.contains(packed.digest.description))
    }

    @Test func umociUnpacksTheLayout() throws {
        let (directory, store, _) = try packedStore()
        defer { directory.remove() }
        let bundle = directory.url.appendingPathComponent("bundle")
        var arguments = ["unpack", "--image", "\(store.layout.root.path):web:1.0", bundle.path]
        if getuid() != 0 { arguments.insert("--rootless", at: 1) }
        _ = try runChecked("/usr/bin/umoci", arguments)
        #expect(try directory.read("bundle/rootfs/config/settings.json") == "{\"port\": 8080}\n")
        var info = stat()
        stat(bundle.appendingPathComponent("rootfs/bin/serve").path, &info)
        #expect(info.st_mode & 0o111 != 0)
    }
}
