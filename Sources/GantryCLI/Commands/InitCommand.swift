import ArgumentParser
import Foundation
import GantryCore

/// `gantry init`: a starter pipeline for the project in the current directory, and `.gantry/` in
/// `.gitignore` so Gantry's state stays out of version control.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter gantry.yml for this project and add .gantry/ to .gitignore.",
        discussion: """
            Recognises Python (pyproject.toml, setup.py, requirements*.txt), Swift (Package.swift),
            Node.js (package.json), Go (go.mod), Rust (Cargo.toml) and Makefile projects, else writes a
            generic pipeline: set-up cached on the lockfile, the linters the project configures (ruff,
            flake8, an npm lint script, swift-format, golangci-lint, rustfmt, clippy, a lint target),
            the tests, a package job that packs what the project builds as an OCI artifact, and a scan
            job (gantry/scan-secrets, and gantry/scan-dockerfile when there are Dockerfiles). An existing pipeline file is left alone unless --force is given; .gitignore gets
            '.gantry/' unless it already ignores it. Running it again changes nothing.
            """)

    @Option(name: [.short, .long], help: "The pipeline file to write.")
    var file: String = "gantry.yml"

    @Flag(help: "Overwrite an existing pipeline file.")
    var force = false

    func run() async throws {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        let directory = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw InputError("\(directory.path) does not exist: create it first or pass another --file")
        }
        if FileManager.default.fileExists(atPath: url.path) && !force {
            Terminal.printOut("\(file) exists: left as is (--force writes a new one)")
        } else {
            let starter = StarterPipeline.detect(in: directory, name: directory.lastPathComponent)
            do {
                try Data(starter.text.utf8).write(to: url, options: .atomic)
            } catch {
                throw InputError("cannot write \(url.path): \(FileErrorText.describe(error))")
            }
            Terminal.printOut("wrote \(file) (\(starter.kind) project)")
        }
        let ignore = directory.appendingPathComponent(".gitignore")
        switch try GitIgnoreEntry.ensure(".gantry/", in: ignore) {
        case .added: Terminal.printOut("added .gantry/ to .gitignore")
        case .present: Terminal.printOut(".gitignore already ignores .gantry/")
        }
        let next = [
            ("gantry validate --file \(file)", "check it (every problem at file:line:col)"),
            ("gantry plan --file \(file)", "what would run, be avoided or skipped, and why"),
            ("gantry keys generate", "once: a key to sign what the package job packs"),
            ("gantry run --file \(file)", "run it"),
        ]
        let width = next.map(\.0.count).max() ?? 0
        Terminal.printOut(
            "next:\n"
                + next.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "   # " + $0.1 }
                .joined(separator: "\n"))
    }
}

/// Adds an entry to a `.gitignore` unless a line already ignores the same directory.
enum GitIgnoreEntry {
    enum Outcome { case added, present }

    static func ensure(_ entry: String, in file: URL) throws -> Outcome {
        var text = ""
        if FileManager.default.fileExists(atPath: file.path) {
            do {
                text = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw InputError("cannot read \(file.path): \(FileErrorText.describe(error))")
            }
        }
        let bare = entry.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let forms: Set<String> = [bare, "/" + bare, bare + "/", "/" + bare + "/"]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if lines.contains(where: forms.contains) { return .present }
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += "# Gantry's state (runs, logs, caches, keys)\n\(entry)\n"
        do {
            try Data(text.utf8).write(to: file, options: .atomic)
        } catch {
            throw InputError("cannot write \(file.path): \(FileErrorText.describe(error))")
        }
        return .added
    }
}
