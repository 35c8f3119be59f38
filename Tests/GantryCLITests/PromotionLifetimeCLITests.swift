import Foundation
import GantryTestSupport
import Testing

/// A deploy never outlives the promotion that started it.
@Suite struct PromotionLifetimeCLITests {
    /// The deploy runs in a background subshell (so the kernel's parent-death signal to the deploy's
    /// leader does not stop it) that waits for `release-deploy`, then writes its promotion id to
    /// `current`: the environment "runs" whatever `current` says.
    func project() throws -> (TemporaryDirectory, String) {
        try releaseProject(
            environments: """
                  dev:
                    deploy: |
                      ( while [ ! -f release-deploy ]; do sleep 0.05; done; echo "$GANTRY_PROMOTION" > current ) &
                      echo $! > "deploy-$GANTRY_PROMOTION.pid"
                      touch "deploying-$GANTRY_PROMOTION"
                      wait
                """)
    }

    func startPromotion(_ directory: TemporaryDirectory, _ digest: String) throws -> Process {
        try startGantry(["promote", "web", "--to", "dev", "--digest", digest], in: directory.url)
    }

    /// The promotion whose deploy has started (the id from `deploying-<id>`).
    func deployingPromotion(_ directory: TemporaryDirectory) async throws -> String? {
        var id: String?
        _ = try await ProcessLifetimeCLITests.eventually {
            id = (try? FileManager.default.contentsOfDirectory(atPath: directory.url.path))?
                .first { $0.hasPrefix("deploying-") }.map { String($0.dropFirst("deploying-".count)) }
            return id != nil
        }
        return id
    }

    /// The children of `pid` (all threads).
    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { pid_t($0) }
        }
    }

    /// Before: after `kill -9` of `gantry promote`, the orphaned deploy kept running; the next promotion
    /// closed the old one as abandoned and deployed; then the orphan finished and overwrote it, so the
    /// environment ran one thing while `status` said another. Here even the owner sentinel is killed
    /// first, so only the promotion record's owner mark can find the orphan.
    @Test func anOrphanedDeployIsStoppedBeforeTheNextPromotionDeploys() async throws {
        let (directory, digest) = try project()
        defer { directory.remove() }
        let first = try startPromotion(directory, digest)
        let firstID = try #require(try await deployingPromotion(directory))
        let orphan = try #require(ProcessLifetimeCLITests.pid(directory, "deploy-\(firstID).pid"))
        // Kill everything of the first gantry that is not its deploy (the sentinel), then gantry itself.
        let token = "GANTRY_OWNER=\(first.processIdentifier)-"
        for child in Self.children(of: first.processIdentifier) {
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/environ"))) ?? Data()
            if !String(decoding: environ, as: UTF8.self).contains(token) { kill(child, SIGKILL) }
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(ProcessLifetimeCLITests.running(orphan), "the test needs the orphaned deploy to outlive gantry")
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("deploying-\(firstID)"))

        let second = try startPromotion(directory, digest)
        let secondID = try #require(try await deployingPromotion(directory))
        #expect(!ProcessLifetimeCLITests.running(orphan), "the orphaned deploy \(orphan) still runs")
        try directory.write("release-deploy", "")
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        #expect(try directory.read("current") == "\(secondID)\n")

        let history = try GantryBinary.run(["history", "web", "--env", "dev", "--json"], in: directory.url)
        let records = try #require(history.stdoutJSON as? [[String: Any]])
        #expect(records.first { $0["id"] as? String == firstID }?["status"] as? String == "abandoned")
        #expect(records.first { $0["id"] as? String == secondID }?["status"] as? String == "succeeded")
    }

    /// Before: SIGTERM killed `gantry promote` at once, leaving the deploy running and the promotion open.
    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalStopsTheDeployAndRecordsTheCancellation(signal: Int32, status: Int32) async throws {
        let (directory, digest) = try project()
        defer { directory.remove() }
        let promote = try startPromotion(directory, digest)
        let id = try #require(try await deployingPromotion(directory))
        let deploy = try #require(ProcessLifetimeCLITests.pid(directory, "deploy-\(id).pid"))
        kill(promote.processIdentifier, signal)
        promote.waitUntilExit()
        #expect(promote.terminationStatus == status)
        #expect(try await ProcessLifetimeCLITests.eventually { !ProcessLifetimeCLITests.running(deploy) })
        let history = try GantryBinary.run(["history", "web", "--env", "dev", "--json"], in: directory.url)
        let records = try #require(history.stdoutJSON as? [[String: Any]])
        #expect(records.first?["status"] as? String == "cancelled")
        // The lock is free: the next promotion proceeds.
        try directory.write("release-deploy", "")
        #expect(
            try GantryBinary.run(["promote", "web", "--to", "dev", "--digest", digest], in: directory.url).status == 0)
    }
}
