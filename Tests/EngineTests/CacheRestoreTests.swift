import Foundation
import GantryCore
import GantryTestSupport
import Processes
import Store
import Testing

@testable import Engine

/// What a cache restore guarantees: replace (not overlay), the saved modification times, one atomic
/// swap per path, no writes through a symbolic link out of the workspace, and `restore-keys`.
@Suite struct CacheRestoreTests {
    private func snapshots(_ directory: TemporaryDirectory) -> SnapshotStore {
        SnapshotStore(stateDirectory: directory.url.appendingPathComponent(".gantry"), runner: ProcessRunner())
    }

    @Test func restoreReplacesThePathAndKeepsModificationTimes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("venv/bin/tool", "v1")
        try directory.write("venv/lib/keep.py", "keep")
        let saved = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes(
            [.modificationDate: saved], ofItemAtPath: directory.url.appendingPathComponent("venv/lib/keep.py").path)
        let store = snapshots(directory)
        let snapshot = try #require(try await store.save(paths: ["venv"], workspace: directory.url))

        // The workspace moves on: a file changes, a stale one appears.
        try directory.write("venv/bin/tool", "v2")
        try directory.write("venv/lib/stale.py", "stale")
        try await store.restore(snapshot.digest, paths: ["venv"], workspace: directory.url)

        let venv = directory.url.appendingPathComponent("venv")
        #expect(try String(contentsOf: venv.appendingPathComponent("bin/tool"), encoding: .utf8) == "v1")
        #expect(!FileManager.default.fileExists(atPath: venv.appendingPathComponent("lib/stale.py").path))
        let mtime =
            try FileManager.default.attributesOfItem(atPath: venv.appendingPathComponent("lib/keep.py").path)[
                .modificationDate] as? Date
        #expect(mtime == saved)
        // Nothing is left behind: no staging directory in the workspace or the state's tmp.
        let tmp = directory.url.appendingPathComponent(".gantry/cache/tmp")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter {
                $0.hasPrefix(".gantry-restore")
            }.isEmpty)
    }

    @Test func restoreRefusesToWriteThroughALinkOutOfTheWorkspace() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let outside = try TemporaryDirectory()
        defer { outside.remove() }
        try directory.write("build/cache/x", "cached")
        let store = snapshots(directory)
        let snapshot = try #require(try await store.save(paths: ["build/cache"], workspace: directory.url))
        // A checkout replaces `build` with a link to somewhere its owner can write.
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("build"))
        try FileManager.default.createSymbolicLink(
            at: directory.url.appendingPathComponent("build"), withDestinationURL: outside.url)
        await #expect(throws: InputError.self) {
            try await store.restore(snapshot.digest, paths: ["build/cache"], workspace: directory.url)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.url.path).isEmpty)
    }

    @Test func aJobUsingTheCachedTreeNeverSeesItHalfRestored() async throws {
        // `reader` waits for `vendor` to appear while `deps` restores it, then checks the file the archive
        // holds last: restored into place in one swap, the tree appears whole or not at all.
        var files: [String: String] = ["lock.txt": "v1"]
        for index in 0..<600 { files["vendor/pkg\(index % 30)/f\(index).txt"] = String(repeating: "x", count: 2048) }
        files["vendor/zzz/last.txt"] = "last"
        let harness = try PipelineHarness(
            """
            jobs:
              deps:
                cache: { key: "deps-${{ hashFiles('lock.txt') }}", paths: [vendor] }
                steps: [{ run: test -f vendor/zzz/last.txt }]
              reader:
                steps:
                  - run: |
                      end=$((SECONDS + 20))
                      until [ -d vendor ]; do [ $SECONDS -lt $end ] || exit 0; done
                      test -f vendor/zzz/last.txt
            """, files: files)
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.statuses == ["deps": .success, "reader": .success])
        for _ in 0..<3 {
            try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
            let again = try await harness.run()
            #expect(again.job("deps")?.cache == "hit")
            #expect(again.job("reader")?.status == .success, "a job saw the tree half-restored")
        }
    }

    @Test func anAvoidedJobRestoresItsSnapshotOnceAndReportsNoCacheState() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              deps:
                inputs: [lock.txt]
                cache: { key: "deps-${{ hashFiles('lock.txt') }}", paths: [vendor] }
                steps:
                  - run: mkdir -p vendor && cp lock.txt vendor/lock
            """, files: ["lock.txt": "v1"])
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.job("deps")?.cache == "miss")
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
        let second = try await harness.run()
        // "cached" and "cache miss" on one row told two stories: an avoided job has no cache state.
        #expect(second.job("deps")?.status == .cached)
        #expect(second.job("deps")?.cache == nil)
        #expect(
            try String(contentsOf: harness.directory.url.appendingPathComponent("vendor/lock"), encoding: .utf8) == "v1"
        )
    }

    @Test func restoreKeysStartFromTheNewestCloseCache() async throws {
        let harness = try PipelineHarness(
            """
            jobs:
              deps:
                cache:
                  key: deps-${{ hashFiles('lock.txt') }}
                  restore-keys: |
                    deps-
                  paths: [vendor]
                steps:
                  - run: |
                      echo "found: $(cat vendor/lock 2>/dev/null || echo nothing)"
                      mkdir -p vendor && cp lock.txt vendor/lock
            """, files: ["lock.txt": "v1"])
        defer { harness.remove() }
        let first = try await harness.run()
        #expect(first.job("deps")?.cache == "miss")
        #expect(try harness.lines(first, job: "deps") == ["found: nothing"])
        try harness.directory.write("lock.txt", "v2")
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
        let second = try await harness.run()
        #expect(second.job("deps")?.cache == "partial")
        #expect(try harness.lines(second, job: "deps") == ["found: v1"])
        let restored = try harness.log(second, job: "deps").first { $0["event"] as? String == "cache_restore" }
        #expect((restored?["restored_key"] as? String)?.hasPrefix("deps-") == true)
        // A partial hit saves under the exact key: the next run hits.
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("vendor"))
        let third = try await harness.run()
        #expect(third.job("deps")?.cache == "hit")
        #expect(try harness.lines(third, job: "deps") == ["found: v2"])
    }
}
