import Foundation
import GantryTestSupport
import Testing

@testable import Artifacts

/// Hand-made archives that try to write outside the target directory.
@Suite struct UnsafeArchiveTests {
    /// Writes a tar with `entries` (file contents for `.file` entries come from `contents`).
    func archive(_ entries: [TarEntry], contents: [String: String] = [:], in directory: TemporaryDirectory) throws
        -> URL
    {
        let url = directory.url.appendingPathComponent("evil-\(UUID().uuidString).tar")
        let sink = try HashingFileSink(path: url.path)
        let writer = TarWriter(sink: sink, mtime: 0)
        for entry in entries {
            try writer.writeHeader(for: entry)
            if case .file(let size) = entry.kind {
                try sink.write(Array((contents[entry.path] ?? "").utf8))
                try writer.pad(size)
            }
        }
        try writer.finish()
        _ = try sink.finish()
        return url
    }

    /// Extracts with a fresh extractor, as one layer of an artifact.
    @discardableResult
    func extract(_ target: URL, _ tar: URL) throws -> Int {
        var extractor = SafeExtractor(destination: target)
        return try extractor.extract(tar)
    }

    func file(_ path: String, _ content: String = "pwned") -> (TarEntry, [String: String]) {
        (TarEntry(path: path, kind: .file(size: Int64(content.utf8.count)), mode: 0o644), [path: content])
    }

    @Test(arguments: [
        ("../escape.txt", "'..' leaves the target directory"),
        ("a/../../escape.txt", "'..' leaves the target directory"),
        ("/tmp/absolute.txt", "absolute path"),
    ])
    func pathsOutsideAreRefused(path: String, reason: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (entry, contents) = file(path)
        let tar = try archive([entry], contents: contents, in: directory)
        let target = directory.url.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        #expect(throws: ArtifactError.unsafeEntry(path: path, reason: reason)) {
            try extract(target, tar)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("escape.txt").path))
    }

    @Test func symlinksThatLeaveAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for link in ["/etc", "../../outside", "a/../../../outside"] {
            let tar = try archive([TarEntry(path: "x/link", kind: .symlink(target: link), mode: 0o777)], in: directory)
            #expect(throws: ArtifactError.self) { try extract(target, tar) }
        }
        // A link that stays inside is fine (x/../y is y).
        let inside = try archive([TarEntry(path: "x/link", kind: .symlink(target: "../y"), mode: 0o777)], in: directory)
        #expect(try extract(target, inside) == 1)
    }

    @Test func entriesBelowASymlinkAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("target")
        let outside = directory.url.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        // The classic two-step: a link inside the archive, then a file "through" it.
        let (entry, contents) = file("sub/dir/payload.txt")
        let tar = try archive(
            [TarEntry(path: "sub", kind: .symlink(target: "."), mode: 0o777), entry], contents: contents, in: directory)
        #expect(throws: ArtifactError.unsafeEntry(path: "sub/dir/payload.txt", reason: "it is below the symlink 'sub'"))
        {
            try extract(target, tar)
        }
        // A symlink that already exists in the target directory is not followed either.
        try FileManager.default.createSymbolicLink(
            atPath: target.appendingPathComponent("pre").path, withDestinationPath: outside.path)
        let (through, throughContents) = file("pre/payload.txt")
        let second = try archive([through], contents: throughContents, in: directory)
        #expect(throws: ArtifactError.self) { try extract(target, second) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func truncatedAndGarbageArchivesAreClearErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let garbage = try directory.write("garbage.tar", String(repeating: "not a tar header ", count: 40))
        #expect(throws: ArtifactError.malformed("garbage.tar: tar header checksum mismatch")) {
            try extract(target, garbage)
        }
        let (entry, contents) = file("big.txt", String(repeating: "y", count: 4000))
        let full = try archive([entry], contents: contents, in: directory)
        let data = try Data(contentsOf: full)
        let cut = directory.url.appendingPathComponent("cut.tar")
        try data.prefix(1500).write(to: cut)
        #expect(throws: ArtifactError.malformed("cut.tar: truncated file data")) {
            try extract(target, cut)
        }
    }

    /// Before: `a/b/c/up -> ..` then `esc -> a/b/c/up/../../../..` passed the lexical check and escaped.
    @Test func symlinkChainsAreResolvedThroughEarlierLinks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let tar = try archive(
            [
                TarEntry(path: "a/b/c", kind: .directory, mode: 0o755),
                TarEntry(path: "a/b/c/up", kind: .symlink(target: ".."), mode: 0o777),
                TarEntry(path: "esc", kind: .symlink(target: "a/b/c/up/../../../.."), mode: 0o777),
            ], in: directory)
        #expect(throws: ArtifactError.self) { try extract(target, tar) }
    }

    /// A later link can change where an earlier one leads: every link is checked again at the end.
    @Test func laterLinksCannotRedirectEarlierOnes() throws {
        let resolver = LinkResolver(links: ["esc": "p/q/r/../../..", "p/q": ".."])
        #expect(resolver.escape(of: "esc", target: "p/q/r/../../..") != nil)
        #expect(resolver.escape(of: "p/q", target: "..") == nil)
        let loop = LinkResolver(links: ["l1": "l2", "l2": "l1"])
        #expect(loop.escape(of: "l1", target: "l2")?.contains("more than 40 symlinks") == true)
    }

    /// A refused archive leaves nothing behind: it is extracted beside the target and renamed at the end.
    @Test func aRefusedUnpackLeavesNothingBehind() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.url.appendingPathComponent("state")
        let store = try ArtifactStore(stateDirectory: state)
        let tree = directory.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(
            at: tree.appendingPathComponent("p/q/r"), withIntermediateDirectories: true)
        try "data".write(to: tree.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: tree.appendingPathComponent("esc").path, withDestinationPath: "p/q/r/../../..")
        try FileManager.default.removeItem(at: tree.appendingPathComponent("p/q"))
        try FileManager.default.createSymbolicLink(
            atPath: tree.appendingPathComponent("p/q").path, withDestinationPath: "..")
        let packed = try store.pack(tree, app: "evil", packer: DirectoryPacker(allowOutsideLinks: true))
        let out = directory.url.appendingPathComponent("out")
        #expect(throws: ArtifactError.self) {
            try store.unpack(try store.resolve(.digest(app: "evil", packed.digest)), into: out)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(!leftovers.contains { $0.contains("unpacking") }, "\(leftovers)")
    }

    /// `artifact pack` refuses symlinks that lead out of the packed tree unless allowed.
    @Test func packingRefusesLinksThatLeaveTheTree() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let tree = directory.url.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: tree.appendingPathComponent("passwd").path, withDestinationPath: "/etc/passwd")
        #expect(throws: ArtifactError.self) { try store.pack(tree, app: "app") }
        #expect(throws: Never.self) {
            try store.pack(tree, app: "app", packer: DirectoryPacker(allowOutsideLinks: true))
        }
    }
}

@Suite struct TarReaderTests {
    @Test func paxRecordsAreReadByByteLength() {
        // Lengths count bytes, not characters: the writer's records read back through the reader.
        let encoded = TarWriter.paxRecord("path", "dir/ünïcödé-name.txt") + TarWriter.paxRecord("linkpath", "a/b")
        #expect(String(decoding: encoded, as: UTF8.self).hasPrefix("33 path="))
        let records = TarReader.paxRecords(Data(encoded))
        #expect(records.map(\.0) == ["path", "linkpath"])
        #expect(records[0].1 == "dir/ünïcödé-name.txt")
        #expect(records[1].1 == "a/b")
    }

    @Test(arguments: ["", "x", "99 path=short\n", "5 path=cut-in-the-middle\n", "0 \n", "3 é\n"])
    func malformedPAXRecordsEndTheListWithoutLooping(text: String) {
        #expect(TarReader.paxRecords(Data(text.utf8)).count <= 1)
    }

    @Test func existingHardLinksAreNotWrittenThrough() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outside = try directory.write("outside.txt", "keep me")
        let target = directory.url.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        link(outside.path, target.appendingPathComponent("f.txt").path)
        let tar = directory.url.appendingPathComponent("f.tar")
        let sink = try HashingFileSink(path: tar.path)
        let writer = TarWriter(sink: sink, mtime: 0)
        try writer.writeHeader(for: TarEntry(path: "f.txt", kind: .file(size: 3), mode: 0o644))
        try sink.write(Array("new".utf8))
        try writer.pad(3)
        try writer.finish()
        _ = try sink.finish()
        var extractor = SafeExtractor(destination: target)
        try extractor.extract(tar)
        #expect(try directory.read("target/f.txt") == "new")
        #expect(try directory.read("outside.txt") == "keep me")
    }
}
