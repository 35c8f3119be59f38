import Foundation
import GantryTestSupport
import Testing

/// Errors a user sees say what happened and what to do, in plain words, with the documented exit code.
@Suite struct ErrorMessageCLITests {
    /// Before: "NSCocoaErrorDomain error 256" and "You don't have permission" (as root).
    @Test(arguments: [
        ("dir", "dir: cannot be read: it is a directory, not a file"),
        ("/dev/null", "/dev/null: cannot be read: it is not a regular file"),
    ])
    func pipelineFilesThatAreNotFiles(file: String, message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("dir"), withIntermediateDirectories: true)
        let result = try GantryBinary.run(["validate", "--file", file], in: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr == "error: \(message)\n")
    }

    /// Before: "no artifact matches" with exit 2; docs/artifacts.md promises exit 3 for a damaged store.
    @Test func aMissingLayerBlobIsAnInfrastructureError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/a.txt", "a\n")
        #expect(try GantryBinary.run(["artifact", "pack", "app", "--name", "web"], in: directory.url).status == 0)
        let oci = directory.url.appendingPathComponent(".gantry/oci")
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: oci.appendingPathComponent("index.json")))
        let manifestDigest = try #require(
            ((index as? [String: Any])?["manifests"] as? [[String: Any]])?.first?["digest"] as? String)
        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: oci.appendingPathComponent("blobs/sha256/\(manifestDigest.dropFirst(7))")))
        let layer = try #require(
            ((manifest as? [String: Any])?["layers"] as? [[String: Any]])?.first?["digest"] as? String)
        try FileManager.default.removeItem(at: oci.appendingPathComponent("blobs/sha256/\(layer.dropFirst(7))"))
        let result = try GantryBinary.run(["artifact", "inspect", "web:latest"], in: directory.url)
        #expect(result.status == 3)
        #expect(result.stderr.contains("blob \(layer) is missing from the artifact store"), "\(result.stderr)")
    }

    /// Run as an unprivileged user: as root these paths cannot fail, and CI runs as root.
    @Test func anUnreadableWorkingDirectoryFailsTheJobClearly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml", "jobs:\n  locked:\n    working-directory: locked\n    steps: [{ run: echo hi }]\n")
        try directory.write("locked/file", "x")
        chmod(directory.url.appendingPathComponent("locked").path, 0)
        let result = try GantryBinary.runUnprivileged(["run", "--json"], in: directory.url)
        #expect(result.status == 1, "\(result.stderr)")
        let jobs = (result.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]]
        #expect((jobs?.first?["reason"] as? String)?.contains("permission denied") == true, "\(result.stdout)")
    }

    @Test func unreadableFilesAreSkippedWithAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gh" + "p_" + String(repeating: "Zz90", count: 9)
        let unreadable = try directory.write("tree/locked.txt", "token = \"\(token)\"\n")
        chmod(unreadable.path, 0)
        let result = try GantryBinary.runUnprivileged(["scan", "secrets", "tree", "--json"], in: directory.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("locked.txt: skipped (cannot be read")
                || result.stdout.contains("locked.txt: skipped (cannot be read"), "\(result.stdout)\(result.stderr)")
    }
}

/// A closed pipe is the normal end of output.
@Suite struct ClosedPipeCLITests {
    /// Before: `gantry logs RUN | head -1` died with exit 132 and an 80-line backtrace (a `try!` on a
    /// broken pipe inside FileHandle).
    @Test func logsIntoHeadEndsQuietly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("gantry.yml", "jobs:\n  a:\n    steps: [{ run: 'seq 1 200000' }]\n")
        #expect(try GantryBinary.run(["run"], in: directory.url).status == 0)
        let output = try runChecked(
            "bash",
            [
                "-c",
                "set -o pipefail; '\(GantryBinary.path)' logs latest 2>err.txt | head -1; echo \"status=${PIPESTATUS[0]}\"",
            ],
            in: directory.url, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        #expect(output.hasPrefix("[a] ") || output.hasPrefix("[a] ▶"), "\(output)")
        #expect(output.contains("status=0"), "\(output)")
        #expect(try directory.read("err.txt").isEmpty)
    }
}

/// Verifying without any key says what is missing and how to get one.
@Suite struct VerifyWithoutKeyCLITests {
    @Test func verifyingWithoutAKeySaysHowToGetOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/index.html", "hi\n")
        #expect(try GantryBinary.run(["artifact", "pack", "app", "--name", "web"], in: directory.url).status == 0)
        let verify = try GantryBinary.run(["artifact", "verify", "web"], in: directory.url)
        #expect(verify.status == 2)
        #expect(verify.stderr.contains("no public key to verify with"))
        #expect(verify.stderr.contains("gantry keys generate"))
    }
}
