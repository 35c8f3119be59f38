import Foundation
import GantryTestSupport
import Testing

/// `gantry init` writes a pipeline that validates for the project it finds, and keeps `.gantry/` out of git.
@Suite struct InitCLITests {
    @Test(arguments: [
        (["pyproject.toml": "[project]\nname='x'\n", "src/x/__init__.py": ""], "Python"),
        (["Package.swift": "// swift-tools-version:5.9\n", "Sources/X/x.swift": ""], "Swift package"),
        (["package.json": "{}", "package-lock.json": "{}"], "Node.js"),
        (["go.mod": "module x\n", "main.go": "package main\n"], "Go module"),
        (["Cargo.toml": "[package]\n", "src/main.rs": ""], "Rust crate"),
        (["Makefile": "all:\n\tcc -o app app.c\ntest: all\n\t./app\n", "app.c": ""], "Makefile"),
        (["README": "hi"], "generic"),
    ])
    func theStarterPipelineFitsTheProjectAndValidates(files: [String: String], kind: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (path, content) in files { try directory.write(path, content) }
        let initialized = try GantryBinary.run(["init"], in: directory.url)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(initialized.stdout.contains("wrote gantry.yml (\(kind) project)"))
        let validate = try GantryBinary.run(["validate"], in: directory.url)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        // Every inputs pattern it wrote matches a file: no "matches no file" warning.
        #expect(!validate.stderr.contains("matches no file"), "\(validate.stderr)")
    }

    @Test func gitignoreGetsTheStateOnceAndAPipelineIsNeverOverwrittenSilently() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(".gitignore", "build/")
        try directory.write("gantry.yml", "jobs:\n  mine:\n    steps: [{ run: echo mine }]\n")
        let first = try GantryBinary.run(["init"], in: directory.url)
        #expect(first.status == 0)
        #expect(first.stdout.contains("gantry.yml exists: left as is"))
        #expect(
            try String(contentsOf: directory.url.appendingPathComponent("gantry.yml"), encoding: .utf8).contains("mine")
        )
        let ignore = directory.url.appendingPathComponent(".gitignore")
        #expect(try String(contentsOf: ignore, encoding: .utf8).hasPrefix("build/\n# Gantry's state"))
        _ = try GantryBinary.run(["init"], in: directory.url)
        #expect(try String(contentsOf: ignore, encoding: .utf8).components(separatedBy: ".gantry/").count == 2)

        try directory.write(".gitignore", "/.gantry\n")
        let present = try GantryBinary.run(["init", "--force"], in: directory.url)
        #expect(present.stdout.contains(".gitignore already ignores .gantry/"))
        #expect(try String(contentsOf: ignore, encoding: .utf8) == "/.gantry\n")
        #expect(
            try !String(contentsOf: directory.url.appendingPathComponent("gantry.yml"), encoding: .utf8).contains(
                "mine"))
    }

    @Test(arguments: [
        (
            ["pyproject.toml": "[project]\nname='x'\n[tool.ruff]\nline-length = 100\n", "tests/t.py": ""],
            "ruff check ."
        ),
        (["setup.py": "", ".flake8": "[flake8]\n"], ".venv/bin/flake8"),
        (["package.json": "{\"scripts\": {\"lint\": \"eslint .\", \"build\": \"tsc\"}}"], "npm run lint"),
        (["Package.swift": "// swift-tools-version:5.9\n", ".swift-format": "{}"], "swift format lint"),
        (["go.mod": "module x\n", "go.sum": "", ".golangci.yml": ""], "golangci-lint run"),
        (["Cargo.toml": "[package]\n", "Cargo.lock": "", "rustfmt.toml": ""], "cargo fmt --all -- --check"),
        (["Makefile": "lint:\n\ttrue\ncheck:\n\ttrue\n"], "make lint"),
    ])
    func aConfiguredLinterGetsAJobAndTheLockfileKeysTheCache(files: [String: String], lint: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (path, content) in files { try directory.write(path, content) }
        #expect(try GantryBinary.run(["init"], in: directory.url).status == 0)
        let text = try String(contentsOf: directory.url.appendingPathComponent("gantry.yml"), encoding: .utf8)
        #expect(text.contains("  lint:\n"), "\(text)")
        #expect(text.contains(lint), "\(text)")
        #expect(text.contains("uses: gantry/scan-secrets"))
        for lock in ["go.sum", "Cargo.lock"] where files[lock] != nil {
            #expect(text.contains("hashFiles('\(lock)')"), "\(text)")
        }
        let validate = try GantryBinary.run(["validate"], in: directory.url)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
    }

    @Test func aMakefileProjectsStarterPipelineRunsBuildsPacksAndScans() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "Makefile",
            "all:\n\tprintf 'echo hello\\n' > app.sh\ntest: all\n\tsh app.sh | grep -q hello\n"
                + "dist: all\n\tmkdir -p dist && cp app.sh dist/\n.PHONY: all test dist\n")
        let pinned = "debian:12@sha256:" + String(repeating: "ab", count: 32)
        try directory.write("Dockerfile", "FROM \(pinned)\nUSER nobody\n")
        let initialized = try GantryBinary.run(["init"], in: directory.url)
        #expect(initialized.stdout.contains("wrote gantry.yml (Makefile project)"))
        #expect(initialized.stdout.contains("gantry keys generate"))
        let run = try GantryBinary.run(["run"], in: directory.url)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("packed 1 entries as \(directory.url.lastPathComponent.lowercased())@sha256:"))
        #expect(run.stdout.contains("[scan] ✓ success"), "\(run.stdout)")
        // The scan job runs the real scanners: an unpinned base image fails the run.
        try directory.write("Dockerfile", "FROM debian:12\nUSER nobody\n")
        let unpinned = try GantryBinary.run(["run"], in: directory.url)
        #expect(unpinned.status == 1)
        #expect(unpinned.stdout.contains("Dockerfile:1:1: high: dockerfile-unpinned-base"))
    }
}
