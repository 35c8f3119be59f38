import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Release

/// Manifests come from an artifact or a checkout, both untrusted: symbolic links out of their root are
/// refused, links in circles are read once, sizes are bounded.
@Suite struct KubernetesManifestFilesTests {
    static let deployment = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n"

    @Test func readsManifestFilesInPathOrderSkippingOthers() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try root.write("k8s/b.yaml", Self.deployment)
        try root.write("k8s/sub/a.yml", Self.deployment)
        try root.write("k8s/notes.txt", "not a manifest")
        try root.write("k8s/.hidden.yaml", Self.deployment)
        let files = try KubernetesManifestFiles(path: "k8s", roots: [("the artifact", root.url)])
        #expect(files.sources.map(\.label) == ["k8s/b.yaml", "k8s/sub/a.yml"])
        #expect(files.origin == "k8s from the artifact")
    }

    @Test func aSymbolicLinkOutOfTheRootIsRefused() throws {
        let root = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        defer {
            root.remove()
            outside.remove()
        }
        try outside.write("secret.yaml", "password: hunter2\n")
        try root.write("k8s/ok.yaml", Self.deployment)
        try FileManager.default.createSymbolicLink(
            atPath: root.url.appendingPathComponent("k8s/stolen.yaml").path,
            withDestinationPath: outside.url.appendingPathComponent("secret.yaml").path)
        #expect(throws: ReleaseError.self) {
            try KubernetesManifestFiles(path: "k8s", roots: [("the artifact", root.url)])
        }
        do {
            _ = try KubernetesManifestFiles(path: "k8s", roots: [("the artifact", root.url)])
        } catch {
            #expect("\(error)".contains("manifest path k8s/stolen.yaml leads out of its directory"), "\(error)")
            #expect(!"\(error)".contains("hunter2"))
        }
        // The manifests path itself as a link out of the root, too.
        try FileManager.default.createSymbolicLink(
            atPath: root.url.appendingPathComponent("elsewhere").path, withDestinationPath: outside.url.path)
        #expect(throws: ReleaseError.self) {
            try KubernetesManifestFiles(path: "elsewhere", roots: [("the artifact", root.url)])
        }
    }

    @Test func aDirectoryLinkedToItsParentIsReadOnce() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try root.write("k8s/app.yaml", Self.deployment)
        try FileManager.default.createSymbolicLink(
            atPath: root.url.appendingPathComponent("k8s/loop").path,
            withDestinationPath: root.url.appendingPathComponent("k8s").path)
        try FileManager.default.createDirectory(
            at: root.url.appendingPathComponent("k8s/empty"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: root.url.appendingPathComponent("k8s/empty/up").path,
            withDestinationPath: root.url.appendingPathComponent("k8s/empty").path)
        let files = try KubernetesManifestFiles(path: "k8s", roots: [("the artifact", root.url)])
        #expect(files.sources.map(\.label) == ["k8s/app.yaml"])
    }

    @Test func tooManyFilesAreRefused() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        for index in 0...KubernetesManifestFiles.maximumFiles { try root.write("k8s/\(index).yaml", "{}\n") }
        #expect(throws: ReleaseError.self) {
            try KubernetesManifestFiles(path: "k8s", roots: [("the artifact", root.url)])
        }
    }
}
