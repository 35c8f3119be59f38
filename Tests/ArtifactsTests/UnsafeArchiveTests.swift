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
            try SafeExtractor(destination: target).extract(tar)
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
            #expect(throws: ArtifactError.self) { try SafeExtractor(destination: target).extract(tar) }
        }
        // A link that stays inside is fine (x/../y is y).
        let inside = try archive([TarEntry(path: "x/link", kind: .symlink(target: "../y"), mode: 0o777)], in: directory)
        #expect(try SafeExtractor(destination: target).extract(inside) == 1)
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
            try SafeExtractor(destination: target).extract(tar)
        }
        // A symlink that already exists in the target directory is not followed either.
        try FileManager.default.createSymbolicLink(
            atPath: target.appendingPathComponent("pre").path, withDestinationPath: outside.path)
        let (through, throughContents) = file("pre/payload.txt")
        let second = try archive([through], contents: throughContents, in: directory)
        #expect(throws: ArtifactError.self) { try SafeExtractor(destination: target).extract(second) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func truncatedAndGarbageArchivesAreClearErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let garbage = try directory.write("garbage.tar", String(repeating: "not a tar header ", count: 40))
        #expect(throws: ArtifactError.malformed("garbage.tar: tar header checksum mismatch")) {
            try SafeExtractor(destination: target).extract(garbage)
        }
        let (entry, contents) = file("big.txt", String(repeating: "y", count: 4000))
        let full = try archive([entry], contents: contents, in: directory)
        let data = try Data(contentsOf: full)
        let cut = directory.url.appendingPathComponent("cut.tar")
        try data.prefix(1500).write(to: cut)
        #expect(throws: ArtifactError.malformed("cut.tar: truncated file data")) {
            try SafeExtractor(destination: target).extract(cut)
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
        try SafeExtractor(destination: target).extract(tar)
        #expect(try directory.read("target/f.txt") == "new")
        #expect(try directory.read("outside.txt") == "keep me")
    }
}
