import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Artifacts

@Suite struct PackingTests {
    /// Writes the same small tree with the given creation order, permissions and times.
    func makeTree(in directory: TemporaryDirectory, reversed: Bool, fileMode: mode_t, time: Int) throws -> URL {
        let root = directory.url.appendingPathComponent("tree")
        var files = [("b/z.txt", "zed"), ("a.txt", "alpha"), ("b/c/d.bin", String(repeating: "x", count: 3000))]
        if reversed { files.reverse() }
        for (path, content) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
            chmod(url.path, fileMode)
            var times = [timeval(tv_sec: time, tv_usec: 0), timeval(tv_sec: time, tv_usec: 0)]
            utimes(url.path, &times)
        }
        let script = root.appendingPathComponent("run.sh")
        try Data("#!/bin/sh\n".utf8).write(to: script)
        chmod(script.path, reversed ? 0o700 : 0o755)
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("link").path, withDestinationPath: "b/z.txt")
        return root
    }

    @Test func sameContentGivesSameDigestWhateverTimesModesAndOrder() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        defer {
            first.remove()
            second.remove()
        }
        let storeA = try ArtifactStore(stateDirectory: first.url.appendingPathComponent("state"))
        let storeB = try ArtifactStore(stateDirectory: second.url.appendingPathComponent("state"))
        let treeA = try makeTree(in: first, reversed: false, fileMode: 0o644, time: 1_000)
        let a = try storeA.pack(treeA, app: "demo")
        let b = try storeB.pack(try makeTree(in: second, reversed: true, fileMode: 0o600, time: 2_000_000), app: "demo")
        #expect(a.digest == b.digest)
        #expect(a.layer.digest == b.layer.digest)
        let later = try storeA.pack(treeA, app: "demo", packer: DirectoryPacker(mtime: 1_700_000_000))
        #expect(later.digest != a.digest, "SOURCE_DATE_EPOCH is part of the content")
    }

    @Test func roundTripKeepsContentModesAndSymlinks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let packed = try store.pack(
            try makeTree(in: directory, reversed: false, fileMode: 0o640, time: 5), app: "demo", tag: "v1")
        #expect(packed.reference == "demo@\(packed.digest)")
        let out = directory.url.appendingPathComponent("out")
        let artifact = try store.resolve(try ArtifactReference(parsing: "demo:v1"))
        #expect(try store.unpack(artifact, into: out) == 7)
        #expect(try directory.read("out/b/c/d.bin").count == 3000)
        #expect(try directory.read("out/a.txt") == "alpha")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("link").path)
                == "b/z.txt")
        var info = stat()
        stat(out.appendingPathComponent("run.sh").path, &info)
        #expect(info.st_mode & 0o777 == 0o755)
        stat(out.appendingPathComponent("a.txt").path, &info)
        #expect(info.st_mode & 0o777 == 0o644)
    }

    @Test func longNamesUsePAXAndRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let deep = (0..<12).map { "segment-number-\($0)" }.joined(separator: "/")
        let long = String(repeating: "n", count: 150) + ".txt"
        try directory.write("tree/\(deep)/\(long)", "deep")
        try FileManager.default.createSymbolicLink(
            atPath: directory.url.appendingPathComponent("tree/far").path,
            withDestinationPath: "\(deep)/\(long)")
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let packed = try store.pack(directory.url.appendingPathComponent("tree"), app: "long")
        let out = directory.url.appendingPathComponent("out")
        try store.unpack(try store.resolve(.digest(app: "long", packed.digest)), into: out)
        #expect(try directory.read("out/\(deep)/\(long)") == "deep")
        #expect(try directory.read("out/far") == "deep")
        // GNU tar reads the same names.
        let listing = try runChecked("/usr/bin/tar", ["-tf", store.layout.blobURL(packed.layer.digest).path])
        #expect(listing.contains("\(deep)/\(long)"))
    }

    @Test func devicesAndFIFOsAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("tree/ok.txt", "ok")
        mkfifo(directory.url.appendingPathComponent("tree/pipe").path, 0o644)
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        #expect(
            throws: ArtifactError.unsupportedFile(
                path: directory.url.appendingPathComponent("tree/pipe").path, kind: "a FIFO")
        ) {
            try store.pack(directory.url.appendingPathComponent("tree"), app: "demo")
        }
        #expect(try store.list().isEmpty)
        #expect(throws: ArtifactError.self) {
            try store.pack(directory.url.appendingPathComponent("missing"), app: "demo")
        }
        #expect(throws: ArtifactError.self) {
            try store.pack(directory.url.appendingPathComponent("tree"), app: "Bad Name")
        }
    }

    @Test func tagsMoveButDigestsStayReachable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        try directory.write("tree/v.txt", "1")
        let one = try store.pack(directory.url.appendingPathComponent("tree"), app: "web", tag: "stable")
        try directory.write("tree/v.txt", "2")
        let two = try store.pack(directory.url.appendingPathComponent("tree"), app: "web", tag: "stable")
        #expect(try store.resolve(try ArtifactReference(parsing: "web:stable")).digest == two.digest)
        #expect(try store.resolve(try ArtifactReference(parsing: "web@\(one.digest)")).tags.isEmpty)
        #expect(try store.resolve(try ArtifactReference(parsing: "\(one.digest)")).digest == one.digest)
        #expect(throws: ArtifactError.notFound("web:nope")) {
            try store.resolve(try ArtifactReference(parsing: "web:nope"))
        }
        #expect(try store.list().count == 2)
    }

    @Test(arguments: ["", "UPPER", "-dash", "a@sha256:123", "a:", "a:-tag", "sha256:xyz", "a b"])
    func invalidReferences(text: String) {
        #expect(throws: ArtifactError.self) { try ArtifactReference(parsing: text) }
    }

    @Test func corruptBlobsAreDetected() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        try directory.write("tree/file.txt", "original content")
        let packed = try store.pack(directory.url.appendingPathComponent("tree"), app: "demo")
        let blob = store.layout.blobURL(packed.layer.digest)
        var data = try Data(contentsOf: blob)
        data[600] ^= 0x01  // one byte of the file's content
        try data.write(to: blob)
        let artifact = try store.resolve(.digest(app: "demo", packed.digest))
        #expect {
            try store.unpack(artifact, into: directory.url.appendingPathComponent("out"))
        } throws: { error in
            (error as? ArtifactError)?.description.contains("is corrupt") == true
        }
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("out/file.txt").path))
    }

    @Test func concurrentPacksKeepEveryIndexEntry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.url.appendingPathComponent("state")
        for index in 0..<8 { try directory.write("tree\(index)/f.txt", "content \(index)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    // Separate store objects stand for separate processes sharing the layout.
                    let store = try ArtifactStore(stateDirectory: state)
                    _ = try store.pack(
                        directory.url.appendingPathComponent("tree\(index)"), app: "app\(index)", tag: "v1")
                }
            }
            try await group.waitForAll()
        }
        let list = try ArtifactStore(stateDirectory: state).list()
        #expect(Set(list.map(\.app)) == Set((0..<8).map { "app\($0)" }))
    }
}
