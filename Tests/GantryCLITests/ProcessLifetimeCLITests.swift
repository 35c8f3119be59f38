import Foundation
import GantryTestSupport
import Testing

/// Nothing Gantry starts outlives it, even when it is killed with -9; state it leaves is closed later.
@Suite struct ProcessLifetimeCLITests {
    /// Alive and not a zombie (a zombie is already dead; its parent just has not reaped it).
    static func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    /// Waits (up to `limit`) for `condition`; the limit only keeps a broken build from hanging.
    static func eventually(_ limit: Duration = .seconds(20), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return condition()
    }

    static func pid(_ directory: TemporaryDirectory, _ name: String) -> pid_t? {
        (try? directory.read(name)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Before: the steps kept running under PID 1 and the run stayed `running` forever.
    @Test func killingGantryWithSIGKILLKillsItsStepsAndTheRunIsAbandoned() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              slow:
                steps:
                  - run: |
                      (trap '' TERM; exec sleep 100000) &
                      echo $! > child.pid
                      setsid bash -c 'echo $$ > escaped.pid; exec sleep 100000' &
                      sleep 100000
            """)
        let process = try startGantry(["run"], in: directory.url)
        #expect(
            try await Self.eventually {
                Self.pid(directory, "child.pid") != nil && Self.pid(directory, "escaped.pid") != nil
            })
        let child = try #require(Self.pid(directory, "child.pid"))
        let escaped = try #require(Self.pid(directory, "escaped.pid"))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try await Self.eventually { !Self.running(child) }, "step child \(child) outlived gantry")
        #expect(try await Self.eventually { !Self.running(escaped) }, "setsid child \(escaped) outlived gantry")

        let list = try GantryBinary.run(["runs", "list", "--json"], in: directory.url)
        let runs = try #require(list.stdoutJSON as? [[String: Any]])
        #expect(runs.first?["status"] as? String == "abandoned")
    }

    /// Before: `audit verify` in the wrong folder answered "intact: 0 entries" (and created `.gantry/`).
    @Test(arguments: [
        ["status"], ["runs", "list"], ["history", "web", "--env", "dev"], ["logs", "latest"], ["audit", "show"],
        ["audit", "verify"], ["users", "list"], ["vulndb", "status"], ["artifact", "list"], ["gc", "--dry-run"],
    ])
    func readOnlyCommandsNeverCreateState(arguments: [String]) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try GantryBinary.run(arguments, in: directory.url)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("no Gantry state in") || result.stderr.contains("no artifact store at"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry").path))
    }

    /// Before: `.gantry/` was 0755 and state.db 0644, TOTP secrets readable by any local user.
    /// Gantry started with its stdin closed: a step still reads /dev/null there (the descriptor Gantry
    /// opens for it may itself be 0), and nothing else of Gantry's leaks into it.
    @Test func aStepReadsDevNullEvenWhenGantrysStdinIsClosed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            #"""
            jobs:
              a:
                steps:
                  - run: printf 'stdin=%s fds=%s\n' "$(readlink /proc/self/fd/0)" "$(ls /proc/self/fd | wc -l)"
            """#)
        let result = try GantryBinary.run(
            ["run"], in: directory.url, wrapper: ["/bin/bash", "-c", #"exec 0<&- "$0" "$@""#])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stdin=/dev/null fds=4"), "\(result.stdout)")
    }

    @Test func stateIsPrivate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", "jobs:\n  a:\n    steps: [{ run: echo hi }]\n")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        func mode(_ path: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(
                atPath: directory.url.appendingPathComponent(path).path)
            return (attributes[.posixPermissions] as? Int ?? 0) & 0o777
        }
        #expect(try mode(".gantry") == 0o700)
        #expect(try mode(".gantry/state.db") == 0o600)
        for file in ["state.db-wal", "state.db-shm"]
        where FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".gantry/\(file)").path) {
            #expect(try mode(".gantry/\(file)") == 0o600)
        }
    }
}
