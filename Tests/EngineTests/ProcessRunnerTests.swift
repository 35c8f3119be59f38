import Foundation
import GantryTestSupport
import Processes
import Synchronization
import Testing

@testable import Engine

/// Collects a child's output for assertions.
final class Captured: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func append(_ chunk: UnsafeRawBufferPointer) { bytes.withLock { $0.append(contentsOf: chunk) } }
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
    var count: Int { bytes.withLock { $0.count } }
}

@Suite struct ProcessRunnerTests {
    let runner = ProcessRunner(killGrace: .milliseconds(300))

    func bash(_ script: String, in directory: String = "/tmp") -> ProcessSpec {
        ProcessSpec(
            executable: "bash", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: directory)
    }

    /// Whether a process exists (a zombie still counts as existing until it is reaped).
    func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 }

    /// A synchronous caller (a scanner reading git) gets the same supervision: output streamed, the
    /// whole group stopped at the timeout, a background descendant too.
    @Test func runBlockingSupervisesAsRunDoes() throws {
        let out = Captured()
        let outcome = try runner.runBlocking(
            bash("echo first; sleep 30 & echo \"pid $!\"; sleep 30"),
            timeout: .milliseconds(500)
        ) { stream, bytes in if stream == .stdout { out.append(bytes) } }
        #expect(outcome.timedOut)
        #expect(out.text.hasPrefix("first\n"))
        let pid = try #require(
            out.text.split(separator: " ").last.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        // Reaped or gone: the background sleep did not outlive the step.
        var waited = 0
        while alive(pid), waited < 50 {
            usleep(20_000)
            waited += 1
        }
        #expect(!alive(pid))
    }

    /// Forty children at once are supervised by the same few loop threads (one per core), not a
    /// thread each, and each child's output stays its own.
    @Test func manyChildrenShareAFewSupervisorThreads() async throws {
        func supervisorThreads() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").filter { task in
                let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                return comm == "gantry-process\n"
            }.count
        }
        let outputs = (0..<40).map { _ in Captured() }
        try await withThrowingTaskGroup(of: ProcessOutcome.self) { group in
            for (index, out) in outputs.enumerated() {
                group.addTask {
                    try await runner.run(
                        bash("echo start; sleep 1; echo child \(index)"), timeout: .seconds(30),
                        cancellation: CancellationFlag()
                    ) { stream, bytes in
                        if stream == .stdout { out.append(bytes) }
                    }
                }
            }
            // While they all sleep: count the threads that supervise them.
            var waited = 0
            while outputs.contains(where: { !$0.text.hasPrefix("start") }), waited < 500 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 1
            }
            let allStarted = outputs.allSatisfy { $0.text.hasPrefix("start") }
            #expect(allStarted, "not every child had started")
            let threads = try supervisorThreads()
            #expect(threads >= 1 && threads <= max(2, ProcessInfo.processInfo.activeProcessorCount), "\(threads)")
            for try await outcome in group { #expect(outcome.exitCode == 0) }
        }
        for (index, out) in outputs.enumerated() { #expect(out.text == "start\nchild \(index)\n") }
    }

    /// A child's SIGCHLD is discarded by the kernel only when the thread that started it does not
    /// block it; the supervisor threads unblock it, so no exit wakes another thread for nothing.
    /// (Each thread blocks every signal for the moment it forks: a thread that other tests keep busy
    /// starting children is sampled until it is seen between two starts.)
    @Test func supervisorThreadsLeaveTheChildSignalUnblocked() async throws {
        let outcome = try await runner.run(bash("true"), timeout: .seconds(10), cancellation: CancellationFlag()) {
            _, _ in
        }
        #expect(outcome.exitCode == 0)
        func childSignalBlocked(_ task: String) -> Bool? {
            guard let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
                let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            return mask & (1 << (UInt64(SIGCHLD) - 1)) != 0
        }
        let supervisors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").filter {
            (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8)) == "gantry-process\n"
        }
        #expect(!supervisors.isEmpty)
        for task in supervisors {
            var blockedEverySample = true
            for _ in 0..<200 where blockedEverySample {
                if childSignalBlocked(task) == false { blockedEverySample = false }
                if blockedEverySample { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(!blockedEverySample, "SIGCHLD stays blocked in supervisor thread \(task)")
        }
    }

    @Test func capturesBothStreamsAndExitCode() async throws {
        let out = Captured()
        let err = Captured()
        let outcome = try await runner.run(
            bash("echo out; echo err >&2; exit 7"), timeout: .seconds(10), cancellation: CancellationFlag()
        ) { stream, bytes in (stream == .stdout ? out : err).append(bytes) }
        #expect(outcome.exitCode == 7)
        #expect(!outcome.succeeded)
        #expect(out.text == "out\n")
        #expect(err.text == "err\n")
    }

    /// A step reads end-of-file from /dev/null, never Gantry's own stdin, and no other descriptor of
    /// Gantry's leaks into it (ProcessLifetimeCLITests: also when Gantry's stdin is closed).
    @Test func aStepGetsDevNullAsStdinAndNothingElse() async throws {
        let out = Captured()
        let outcome = try await runner.run(
            bash(#"printf '%s ' "$(readlink /proc/self/fd/0)"; ls /proc/self/fd | wc -l"#), timeout: .seconds(10),
            cancellation: CancellationFlag()
        ) { stream, bytes in if stream == .stdout { out.append(bytes) } }
        #expect(outcome.exitCode == 0)
        // 0, 1 and 2, and the one `ls` opened to list them.
        #expect(out.text == "/dev/null 4\n")
    }

    @Test func timeoutKillsTheWholeGroupIncludingChildrenThatIgnoreSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.url.appendingPathComponent("child.pid").path
        let outcome = try await runner.run(
            bash("(trap '' TERM; exec sleep 60) & echo $! > \(pidFile); sleep 60"), timeout: .milliseconds(500),
            cancellation: CancellationFlag()
        ) { _, _ in }
        #expect(outcome.timedOut)
        #expect(outcome.exitCode == nil)
        let pid = try #require(pid_t(try directory.read("child.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!alive(pid), "the SIGTERM-ignoring child \(pid) survived")
    }

    @Test func backgroundProcessesLeftBehindAreStopped() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.url.appendingPathComponent("bg.pid").path
        let outcome = try await runner.run(
            bash("sleep 60 >/dev/null 2>&1 & echo $! > \(pidFile); exit 0"), timeout: .seconds(10),
            cancellation: CancellationFlag()
        ) { _, _ in }
        #expect(outcome.exitCode == 0)
        let pid = try #require(pid_t(try directory.read("bg.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!alive(pid), "background process \(pid) survived the step")
    }

    @Test func cancellationStopsTheProcess() async throws {
        let flag = CancellationFlag()
        after(seconds: 0.3) { flag.cancel() }
        let outcome = try await runner.run(bash("sleep 60"), timeout: .seconds(30), cancellation: flag) { _, _ in }
        #expect(outcome.cancelled)
        #expect(!outcome.timedOut)
    }

    @Test func largeOutputIsStreamedCompletely() async throws {
        let captured = Captured()
        let outcome = try await runner.run(
            bash("head -c 20000000 /dev/zero | tr '\\0' 'x'"), timeout: .seconds(60), cancellation: CancellationFlag()
        ) { _, bytes in captured.append(bytes) }
        #expect(outcome.exitCode == 0)
        #expect(captured.count == 20_000_000)
    }

    @Test func missingExecutableOrDirectoryIsAnInfrastructureError() async throws {
        await #expect(throws: (any Error).self) {
            _ = try await runner.run(
                ProcessSpec(executable: "/nonexistent/tool", arguments: [], environment: [:], workingDirectory: "/tmp"),
                timeout: .seconds(1), cancellation: CancellationFlag()
            ) { _, _ in }
        }
        await #expect(throws: (any Error).self) {
            _ = try await runner.run(
                bash("true", in: "/nonexistent-dir"), timeout: .seconds(1), cancellation: CancellationFlag()
            ) { _, _ in }
        }
    }

    @Test func signalDeathIsReported() async throws {
        let outcome = try await runner.run(
            bash("kill -USR1 $$"), timeout: .seconds(10), cancellation: CancellationFlag()
        ) { _, _ in }
        #expect(outcome.signal == SIGUSR1)
        #expect(outcome.exitCode == nil)
    }
}

/// Descendants that leave the step's process group (`setsid`, double forks) are still the step's.
@Suite struct ProcessLifetimeTests {
    let runner = ProcessRunner(killGrace: .milliseconds(300))

    func bash(_ script: String) -> ProcessSpec {
        ProcessSpec(
            executable: "bash", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: "/tmp")
    }

    /// Alive and not a zombie.
    func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    func pid(in directory: TemporaryDirectory, _ name: String) throws -> pid_t {
        try #require(pid_t(try directory.read(name).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Before: a `setsid` child survived the timeout that killed its step.
    @Test func aTimeoutStopsDescendantsThatCalledSetsid() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("escaped.pid").path
        let outcome = try await runner.run(
            bash(
                "setsid bash -c 'trap \"\" TERM; echo $$ > \(file); exec sleep 100000' >/dev/null 2>&1 & sleep 100000"),
            timeout: .milliseconds(700), cancellation: CancellationFlag()
        ) { _, _ in }
        #expect(outcome.timedOut)
        let escaped = try pid(in: directory, "escaped.pid")
        #expect(!running(escaped), "the setsid child \(escaped) outlived the step's timeout")
    }

    /// Before: a `setsid` child that kept the step's stdout open made the step (and SIGTERM
    /// cancellation) wait until it exited on its own.
    @Test(.timeLimit(.minutes(1))) func aSetsidChildHoldingTheOutputDoesNotKeepTheStepOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("escaped.pid").path
        let outcome = try await runner.run(
            bash("setsid sleep 100000 & echo $! > \(file); echo done"), timeout: .seconds(600),
            cancellation: CancellationFlag()
        ) { _, _ in }
        #expect(outcome.exitCode == 0)
        let escaped = try pid(in: directory, "escaped.pid")
        #expect(!running(escaped), "the setsid child \(escaped) outlived its step")
    }

    /// A double fork in a new session: the daemon is re-parented to us and still carries the mark.
    @Test func daemonsStartedByAStepEndWithIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("daemon.pid").path
        let outcome = try await runner.run(
            bash("( setsid bash -c 'sleep 100000 >/dev/null 2>&1 & echo $! > \(file)' & ) ; sleep 0.2; exit 0"),
            timeout: .seconds(600), cancellation: CancellationFlag()
        ) { _, _ in }
        #expect(outcome.exitCode == 0)
        let daemon = try pid(in: directory, "daemon.pid")
        #expect(!running(daemon), "the daemon \(daemon) outlived its step")
    }

    /// Cancelling the task that awaits a process stops the process (deploys, health checks, git).
    @Test(.timeLimit(.minutes(1))) func cancellingTheTaskStopsItsProcess() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("child.pid").path
        let runner = self.runner
        let task = Task {
            try await runner.run(
                bash("echo $$ > \(file); trap '' TERM; sleep 100000"), timeout: .seconds(600),
                cancellation: CancellationFlag()
            ) { _, _ in }
        }
        while (try? directory.read("child.pid"))?.isEmpty ?? true { try await Task.sleep(for: .milliseconds(10)) }
        let pid = try pid(in: directory, "child.pid")
        task.cancel()
        let outcome = try await task.value
        #expect(outcome.cancelled)
        #expect(!running(pid))
    }

    @Test func stopAllFindsEveryProcessCarryingAMark() async throws {
        let mark = ProcessRunner.newOwnerMark()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.url.appendingPathComponent("child.pid").path
        // A process outside any runner (as if its gantry had died), carrying the mark.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/bash")
        child.arguments = ["-c", "trap '' TERM; echo $$ > \(file); exec sleep 100000"]
        child.environment = ["GANTRY_OWNER": mark, "PATH": "/usr/bin:/bin"]
        try child.run()
        while (try? directory.read("child.pid"))?.isEmpty ?? true { usleep(10_000) }
        // Wait until bash has become `sleep`: in the middle of exec its environment cannot be read.
        let comm = "/proc/\(child.processIdentifier)/comm"
        for _ in 0..<500 where (try? String(contentsOfFile: comm, encoding: .utf8)) != "sleep\n" { usleep(10_000) }
        // Whatever happens, the child must not outlive the test (it ignores SIGTERM).
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        #expect(ProcessRunner.stopAll(carrying: mark, grace: .milliseconds(200)) == 1)
        for _ in 0..<500 where child.isRunning { usleep(10_000) }
        #expect(!child.isRunning)
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(ProcessRunner.stopAll(carrying: mark, grace: .milliseconds(200)) == 0)
    }
}
