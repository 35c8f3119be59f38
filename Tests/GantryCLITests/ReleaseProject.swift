import Foundation
import GantryTestSupport
import Testing

/// A project for release tests: `files` and a `gantry.yml` whose `release` job packs `app` as
/// `web:v1`, a signing key, one run; returns the directory and the packed digest.
func releaseProject(environments: String, files: [String: String] = ["app/VERSION": "1.0.0\n"]) throws -> (
    TemporaryDirectory, String
) {
    let directory = try TemporaryDirectory()
    for (path, content) in files { try directory.write(path, content) }
    try directory.write(
        "gantry.yml",
        """
        jobs:
          release:
            steps:
              - uses: gantry/pack
                with: { path: app, name: web, tag: v1 }
        environments:
        \(environments)
        """)
    #expect(try GantryBinary.run(["keys", "generate"], in: directory.url).status == 0)
    let run = try GantryBinary.run(["run"], in: directory.url)
    #expect(run.status == 0, "\(run.stderr)")
    let inspect = try GantryBinary.run(["artifact", "inspect", "web:v1", "--json"], in: directory.url)
    let digest = try #require((inspect.stdoutJSON as? [String: Any])?["digest"] as? String)
    return (directory, digest)
}

/// Starts gantry in the background (output discarded), for tests that signal or kill it.
func startGantry(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: GantryBinary.path)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"]
        .merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// Waits until `file` exists (a deploy script's signal that it started), at most `seconds`.
func waitForFile(_ file: URL, seconds: Int = 60) async throws {
    for _ in 0..<(seconds * 20) where !FileManager.default.fileExists(atPath: file.path) {
        try await Task.sleep(for: .milliseconds(50))
    }
}
