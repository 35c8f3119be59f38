import Foundation
import GantryCore
import GantryTestSupport
import Store
import Testing

@testable import Engine

@Suite struct CacheAndAvoidanceTests {
    @Test func cacheMissSavesAndHitRestores() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              deps:
                cache:
                  key: deps-${{ hashFiles('lock.txt') }}
                  paths: [vendor]
                steps:
                  - run: |
                      if [ -f vendor/lib.txt ]; then echo "restored: $(cat vendor/lib.txt)"; else
                        mkdir -p vendor && echo fetched > vendor/lib.txt && echo fetched; fi
            """, files: ["lock.txt": "v1"])
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.job("deps")?.cache == "miss")
        #expect(try harness.lines(first, job: "deps") == ["fetched"])
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
        let second = try await harness.run()
        #expect(second.job("deps")?.cache == "hit")
        #expect(try harness.lines(second, job: "deps") == ["restored: fetched"])
        try harness.directory.write("lock.txt", "v2")
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
        let third = try await harness.run()
        #expect(third.job("deps")?.cache == "miss")
        let noCache = try await harness.run { $0.useCache = false }
        #expect(noCache.job("deps")?.cache == nil)
    }

    @Test func changingOneInputRerunsExactlyTheJobsThatDependOnIt() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                inputs: ["a/**"]
                outputs: { sum: "${{ steps.s.outputs.sum }}" }
                steps:
                  - id: s
                    run: echo "sum=$(cat a/*.txt | sha256sum | cut -c1-8)" >> "$GANTRY_OUTPUT"
              b:
                inputs: ["b/**"]
                steps: [{ run: cat b/x.txt }]
              c:
                needs: a
                inputs: ["c.txt"]
                steps:
                  - run: echo "a says ${{ needs.a.outputs.sum }}"
            """, files: ["a/1.txt": "one", "b/x.txt": "bee", "c.txt": "see"])
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.statuses == ["a": .success, "b": .success, "c": .success])
        let unchanged = try await harness.run()
        #expect(unchanged.statuses == ["a": .cached, "b": .cached, "c": .cached])
        // Avoided jobs run nothing and write no log file; their record says why.
        #expect(try FileManager.default.contentsOfDirectory(atPath: unchanged.logDirectory).isEmpty)
        #expect(unchanged.job("a")?.reason == "inputs unchanged since run \(first.runID)")
        #expect(unchanged.job("a")?.outputs == first.job("a")?.outputs)

        try harness.directory.write("b/x.txt", "changed")
        let onlyB = try await harness.run()
        #expect(onlyB.statuses == ["a": .cached, "b": .success, "c": .cached])

        try harness.directory.write("a/1.txt", "changed")
        let aAndC = try await harness.run()
        #expect(aAndC.statuses == ["a": .success, "b": .cached, "c": .success])
        let lines = try harness.lines(aAndC, job: "c")
        #expect(lines.first == "runs again: the result or outputs of 'a' changed since run \(first.runID)")
        #expect(lines.last?.hasPrefix("a says ") == true)
    }

    @Test func failedJobsAreNotRememberedAsAvoidable() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              a:
                inputs: ["in.txt"]
                steps: [{ run: "grep -q ok in.txt" }]
            """, files: ["in.txt": "bad"])
        defer { harness.remove() }
        #expect(try await harness.run().job("a")?.status == .failure)
        #expect(try await harness.run().job("a")?.status == .failure)
    }
}

@Suite struct FileDigestCacheTests {
    @Test func settledFilesAreRememberedAndChangesAreSeen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.url.appendingPathComponent("state"))
        let file = try directory.write("input.txt", "one")
        // A file written just now is racy: hashed, not remembered.
        let cache = FileDigestCache(store: SQLiteRepositories(store: store))
        try await cache.prepare()
        #expect(try cache.digest(of: file) == Digest.sha256("one").hex)
        try await cache.save()
        #expect(try store.fileDigests().isEmpty)
        // Settled (old mtime): remembered for the next run.
        var old = [timeval(tv_sec: 1_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000, tv_usec: 0)]
        utimes(file.path, &old)
        let second = FileDigestCache(store: SQLiteRepositories(store: store))
        try await second.prepare()
        #expect(try second.digest(of: file) == Digest.sha256("one").hex)
        try await second.save()
        #expect(try store.fileDigests().count == 1)
        // New content (another size) is hashed again even with the same old mtime.
        try directory.write("input.txt", "changed")
        utimes(file.path, &old)
        let third = FileDigestCache(store: SQLiteRepositories(store: store))
        try await third.prepare()
        #expect(try third.digest(of: file) == Digest.sha256("changed").hex)
    }
}

@Suite struct SnapshotPathSearchTests {
    /// The workspace path is found wherever it sits, also across the 1 MiB pieces the file is read in.
    @Test(arguments: [0, (1 << 20) - 5, (1 << 20) + 3, (2 << 20) - 1])
    func findsThePathAcrossPieces(offset: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let needle = Array("/srv/ci/clone-a".utf8)
        var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: (2 << 20) + 64)
        bytes.replaceSubrange(offset..<offset + needle.count, with: needle)
        let url = directory.url.appendingPathComponent("snapshot.tar")
        try Data(bytes).write(to: url)
        #expect(SnapshotStore.contains(needle, in: url))
        #expect(!SnapshotStore.contains(Array("/srv/ci/clone-b".utf8), in: url))
    }
}
