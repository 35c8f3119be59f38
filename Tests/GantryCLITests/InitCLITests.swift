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
}
