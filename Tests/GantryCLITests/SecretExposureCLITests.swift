import Foundation
import GantryTestSupport
import Testing

/// Secrets never show in `/proc` of Gantry's own process, whatever way they were given.
@Suite struct SecretExposureCLITests {
    /// Before: any step read every secret from /proc/<gantry pid>/environ and cmdline.
    @Test func aStepCannotReadSecretsFromGantrysProcFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            """
            jobs:
              snoop:
                steps:
                  - run: |
                      (tr '\\0' '\\n' < /proc/$PPID/environ || echo denied) > environ.txt 2>&1
                      (tr '\\0' ' ' < /proc/$PPID/cmdline || echo denied) > cmdline.txt 2>&1
            """)
        try directory.write("secret.txt", "file-secret-value-4\n")
        let result = try GantryBinary.run(
            [
                "run", "--secret", "ONE=flag-secret-value-1", "--secret", "THREE", "--secret-file",
                "FOUR=secret.txt",
            ],
            in: directory.url,
            environment: ["GANTRY_SECRET_TWO": "env-secret-value-2", "THREE": "named-secret-value-3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: --secret NAME=VALUE put a secret on the command line"))
        let environ = try directory.read("environ.txt")
        let cmdline = try directory.read("cmdline.txt")
        // As root the files are readable (root ignores non-dumpable): then they must hold no value.
        // As another user they are not readable at all.
        if geteuid() == 0 {
            #expect(environ.contains("GANTRY_SECRET_TWO="))
            #expect(cmdline.contains("--secret ONE="))
        } else {
            #expect(environ.contains("denied") || environ.contains("Permission"))
        }
        for value in ["flag-secret-value-1", "env-secret-value-2", "named-secret-value-3", "file-secret-value-4"] {
            #expect(!environ.contains(value), "\(value) in /proc/<gantry>/environ")
            #expect(!cmdline.contains(value), "\(value) in /proc/<gantry>/cmdline")
        }
    }

    @Test func secretsFromStandardInputAndMissingEnvironmentVariables() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "gantry.yml",
            "jobs:\n  a:\n    secrets: [TOKEN]\n    steps:\n      - run: test \"$TOKEN\" = stdin-secret-value\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GantryBinary.path)
        process.arguments = ["run", "--secret-stdin", "TOKEN"]
        process.currentDirectoryURL = directory.url
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CI": "true"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("stdin-secret-value\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let missing = try GantryBinary.run(["run", "--secret", "TOKEN"], in: directory.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--secret TOKEN: environment variable TOKEN is not set"))
    }
}
