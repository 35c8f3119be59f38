import Foundation
import GantryCore

/// The pipeline `gantry init` writes: one shaped by the project it finds (Python, Swift, Node, Go,
/// Rust), using only files that exist, so that every `inputs` pattern matches and avoidance works
/// from the first run.
struct StarterPipeline {
    /// What `init` recognised, for its message.
    var kind: String
    var text: String

    static func detect(in directory: URL, name: String) -> StarterPipeline {
        func exists(_ path: String) -> Bool {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path)
        }
        // Only patterns that match a file now: one that matches nothing would turn avoidance off.
        func matching(_ patterns: [String]) -> [String] {
            patterns.filter { FileWalker.match(under: directory, [Glob($0)]).unmatched.isEmpty }
        }
        let requirements =
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
                $0.hasPrefix("requirements") && $0.hasSuffix(".txt")
            }.sorted()
        let header =
            "# Gantry pipeline: see docs/pipeline-syntax.md. Run it with `gantry run`.\nname: \(quoted(name))\n"
        if exists("pyproject.toml") || exists("setup.py") || !requirements.isEmpty {
            return StarterPipeline(
                kind: "Python", text: header + python(exists: exists, matching: matching, requirements: requirements))
        }
        if exists("Package.swift") {
            return StarterPipeline(kind: "Swift package", text: header + swift(matching: matching))
        }
        if exists("package.json") {
            let lock = ["package-lock.json", "yarn.lock", "pnpm-lock.yaml"].first(where: exists)
            return StarterPipeline(kind: "Node.js", text: header + node(lock: lock))
        }
        if exists("go.mod") {
            return StarterPipeline(
                kind: "Go module", text: header + go(inputs: matching(["go.mod", "go.sum", "**/*.go"])))
        }
        if exists("Cargo.toml") {
            return StarterPipeline(
                kind: "Rust crate", text: header + rust(inputs: matching(["Cargo.toml", "Cargo.lock", "src/**"])))
        }
        return StarterPipeline(kind: "generic", text: header + generic)
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `    inputs: [...]` and a newline, or nothing without any pattern.
    private static func inputsLine(_ items: [String], comment: String = "") -> String {
        guard !items.isEmpty else { return "" }
        return comment + "    inputs: [" + items.map(quoted).joined(separator: ", ") + "]\n"
    }

    private static func python(
        exists: (String) -> Bool, matching: ([String]) -> [String], requirements: [String]
    ) -> String {
        let manifests = ["pyproject.toml", "setup.py", "setup.cfg"].filter(exists) + requirements
        let hashed = manifests.map { "'\($0)'" }.joined(separator: ", ")
        var install: [String] = []
        for file in requirements { install.append(".venv/bin/pip install -r \(file)") }
        if exists("pyproject.toml") || exists("setup.py") { install.append(".venv/bin/pip install -e .") }
        install.append(".venv/bin/pip install pytest")
        let sources = matching(["src/**", "tests/**", "test/**"])
        let inputs = inputsLine(
            manifests + (sources.isEmpty ? matching(["**/*.py"]) : sources),
            comment: "    # Skipped when none of these files changed since a successful run (build avoidance).\n")
        return """
            jobs:
              deps:
                # The virtual environment is cached per lockfile; a changed lockfile starts from the closest one.
                cache:
                  key: venv-${{ hashFiles(\(hashed)) }}
                  restore-keys: [venv-]
                  paths: [.venv]
                steps:
                  - run: python3 -m venv .venv
                  - run: |
            \(install.map { "          " + $0 }.joined(separator: "\n"))
              test:
                needs: deps
            \(inputs)    steps:
                  - run: .venv/bin/python -m pytest -q

            """
    }

    private static func swift(matching: ([String]) -> [String]) -> String {
        """
        jobs:
          build:
        \(inputsLine(matching(["Package.swift", "Sources/**"])))    steps:
              - run: swift build
          test:
            needs: build
        \(inputsLine(matching(["Package.swift", "Sources/**", "Tests/**"])))    steps:
              - run: swift test

        """
    }

    private static func node(lock: String?) -> String {
        let install =
            lock == "yarn.lock"
            ? "yarn install --frozen-lockfile"
            : lock == "pnpm-lock.yaml" ? "pnpm install --frozen-lockfile" : lock == nil ? "npm install" : "npm ci"
        let hashed = ["package.json"] + (lock.map { [$0] } ?? [])
        return """
            jobs:
              deps:
                cache:
                  key: node-modules-${{ hashFiles(\(hashed.map { "'\($0)'" }.joined(separator: ", "))) }}
                  paths: [node_modules]
                steps:
                  - run: \(install)
              test:
                needs: deps
                steps:
                  - run: npm test

            """
    }

    private static func go(inputs: [String]) -> String {
        """
        jobs:
          test:
        \(inputsLine(inputs))    steps:
              - run: go vet ./...
              - run: go test ./...

        """
    }

    private static func rust(inputs: [String]) -> String {
        """
        jobs:
          test:
        \(inputsLine(inputs))    steps:
              - run: cargo test

        """
    }

    private static let generic = """
        jobs:
          build:
            steps:
              - run: echo "replace with your build command"
          test:
            needs: build
            steps:
              - run: echo "replace with your test command"

        """
}
