import Foundation
import GantryCore

/// The pipeline `gantry init` writes: one shaped by the project it finds (Python, Swift, Node, Go,
/// Rust, a Makefile), with setup cached on the lockfile, the linters the project configures, its
/// tests, a packed artifact of what it builds, and Gantry's scans. It names only files that exist, so
/// that every `inputs` pattern matches and avoidance works from the first run.
struct StarterPipeline {
    /// What `init` recognised, for its message.
    var kind: String
    var text: String

    /// What a project kind contributes; the shared jobs (scan) are added around it.
    private struct Parts {
        var kind: String
        var jobs: String
        /// The job the package depends on having passed (test, and lint when there is one).
        var packageNeeds: [String]
        /// The commands that put what the project builds in `dist/`; nil: nothing to pack.
        var distCommands: [String]?
        /// The job the package job needs for its tools (the set-up job), if any.
        var setup: String?
    }

    static func detect(in directory: URL, name: String) -> StarterPipeline {
        let project = Project(directory: directory)
        let parts: Parts
        if project.exists("pyproject.toml") || project.exists("setup.py") || !project.requirements.isEmpty {
            parts = python(project)
        } else if project.exists("Package.swift") {
            parts = swift(project)
        } else if project.exists("package.json") {
            parts = node(project)
        } else if project.exists("go.mod") {
            parts = go(project)
        } else if project.exists("Cargo.toml") {
            parts = rust(project)
        } else if let makefile = ["Makefile", "GNUmakefile", "makefile"].first(where: project.exists) {
            parts = make(project, makefile: makefile)
        } else {
            parts = generic
        }
        var text = """
            # Gantry pipeline for a \(parts.kind) project (written by `gantry init`; see docs/pipeline-syntax.md).
            #   gantry plan     what would run, be avoided or skipped, and why
            #   gantry run      run it; `gantry keys generate` once to sign what the package job packs
            name: \(quoted(name))

            jobs:

            """
        text += parts.jobs
        if let commands = parts.distCommands {
            let needs = parts.packageNeeds + (parts.setup.map { [$0] } ?? [])
            text += """
                  package:
                    needs: [\(needs.joined(separator: ", "))]
                    outputs:
                      ref: ${{ steps.pack.outputs.ref }}
                    steps:
                      - name: Put what the project builds in dist/
                        run: |
                          rm -rf dist && mkdir -p dist
                \(commands.map { "          " + $0 }.joined(separator: "\n"))
                      - name: Pack dist/ as a content-addressed OCI artifact (signed when a key exists)
                        id: pack
                        uses: gantry/pack
                        with:
                          path: dist
                          name: \(quoted(artifactName(name)))

                """
        }
        let dockerfiles = ["Dockerfile", "Containerfile"].filter(project.exists)
        text += """
              scan:
                # Committed credentials\(dockerfiles.isEmpty ? "" : " and Dockerfile problems") fail the run (see docs/policies.md).
                steps:
                  - uses: gantry/scan-secrets

            """
        if !dockerfiles.isEmpty {
            text +=
                "      - uses: gantry/scan-dockerfile\n        with:\n          files: |\n"
                + dockerfiles.map { "            \($0)\n" }.joined()
        }
        return StarterPipeline(kind: parts.kind, text: text)
    }

    /// What `init` looks at in the project's directory.
    private struct Project {
        let directory: URL
        let requirements: [String]

        init(directory: URL) {
            self.directory = directory
            requirements = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
                $0.hasPrefix("requirements") && $0.hasSuffix(".txt")
            }.sorted()
        }

        func exists(_ path: String) -> Bool {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path)
        }

        /// The file's text (at most 1 MiB), or "".
        func read(_ path: String) -> String {
            guard let handle = try? FileHandle(forReadingFrom: directory.appendingPathComponent(path)) else {
                return ""
            }
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }

        /// Only patterns that match a file now: one that matches nothing would turn avoidance off.
        func matching(_ patterns: [String]) -> [String] {
            patterns.filter { FileWalker.match(under: directory, [Glob($0)]).unmatched.isEmpty }
        }
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// An artifact name from the project's: lowercase letters, digits, `.`, `_`, `-`.
    private static func artifactName(_ name: String) -> String {
        let mapped = String(
            name.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber || "._-".contains($0) ? $0 : "-" })
        let trimmed = mapped.trimmingCharacters(in: CharacterSet(charactersIn: "-._"))
        return trimmed.isEmpty ? "app" : trimmed
    }

    /// `    inputs: [...]` and a newline, or nothing without any pattern.
    private static func inputsLine(_ items: [String], comment: String = "") -> String {
        guard !items.isEmpty else { return "" }
        return comment + "    inputs: [" + items.map(quoted).joined(separator: ", ") + "]\n"
    }

    /// `hashFiles('a', 'b')`.
    private static func hashFiles(_ files: [String]) -> String {
        "hashFiles(" + files.map { "'\($0)'" }.joined(separator: ", ") + ")"
    }

    /// A job's `cache:` keyed on `lockfile` (with the prefix as restore key), or nothing without it.
    private static func cacheBlock(
        _ project: Project, prefix: String, lockfile: String, path: String, comment: String? = nil
    ) -> String {
        guard project.exists(lockfile) else { return "" }
        return (comment.map { "    # \($0)\n" } ?? "")
            + "    cache:\n      key: \(prefix)-${{ hashFiles('\(lockfile)') }}\n      restore-keys: [\(prefix)-]\n"
            + "      paths: [\(path)]\n"
    }

    private static func steps(_ commands: [String]) -> String {
        commands.map { "      - run: \($0)\n" }.joined()
    }

    // MARK: Project kinds

    private static func python(_ project: Project) -> Parts {
        let manifests = ["pyproject.toml", "setup.py", "setup.cfg"].filter(project.exists) + project.requirements
        let pyproject = project.read("pyproject.toml")
        let ruff = pyproject.contains("[tool.ruff") || project.exists("ruff.toml") || project.exists(".ruff.toml")
        let flake8 =
            !ruff
            && (project.exists(".flake8") || project.read("setup.cfg").contains("[flake8]")
                || project.read("tox.ini").contains("[flake8]"))
        let installable = project.exists("pyproject.toml") || project.exists("setup.py")
        var install = project.requirements.map { ".venv/bin/pip install -r \($0)" }
        if installable { install.append(".venv/bin/pip install -e .") }
        install.append(".venv/bin/pip install pytest\(ruff ? " ruff" : "")\(flake8 ? " flake8" : "")")
        let sources = project.matching(["src/**", "tests/**", "test/**"])
        let inputs = manifests + (sources.isEmpty ? project.matching(["**/*.py"]) : sources)
        var jobs = """
              deps:
                # The virtual environment is cached per lockfile; a changed lockfile starts from the closest one.
                cache:
                  key: venv-${{ \(hashFiles(manifests)) }}
                  restore-keys: [venv-]
                  paths: [.venv]
                steps:
                  - run: python3 -m venv .venv
                  - run: |
            \(install.map { "          " + $0 }.joined(separator: "\n"))

            """
        var needs = ["test"]
        if ruff || flake8 {
            jobs += """
                  lint:
                    needs: deps
                \(inputsLine(inputs))    steps:
                \(steps([ruff ? ".venv/bin/ruff check ." : ".venv/bin/flake8"]))
                """
            needs.append("lint")
        }
        jobs += """
              test:
                needs: deps
            \(inputsLine(inputs, comment: "    # Skipped when none of these files changed since a successful run (build avoidance).\n"))    steps:
                  - run: .venv/bin/python -m pytest -q

            """
        return Parts(
            kind: "Python", jobs: jobs, packageNeeds: needs,
            distCommands: installable ? [".venv/bin/pip wheel --no-deps --wheel-dir dist ."] : nil, setup: "deps")
    }

    private static func swift(_ project: Project) -> Parts {
        let cache = cacheBlock(project, prefix: "swiftpm", lockfile: "Package.resolved", path: ".build")
        var jobs = """
              build:
            \(cache)\(inputsLine(project.matching(["Package.swift", "Package.resolved", "Sources/**"])))    steps:
                  - run: swift build --build-tests

            """
        var needs = ["test"]
        if project.exists(".swift-format") {
            jobs += """
                  lint:
                    steps:
                      - run: swift format lint --strict --recursive Sources

                """
            needs.append("lint")
        }
        jobs += """
              test:
                needs: build
            \(inputsLine(project.matching(["Package.swift", "Package.resolved", "Sources/**", "Tests/**"])))    steps:
                  - run: swift test --skip-build

            """
        return Parts(
            kind: "Swift package", jobs: jobs, packageNeeds: needs,
            distCommands: [
                "swift build -c release",
                "find \"$(swift build -c release --show-bin-path)\" -maxdepth 1 -type f -perm -u+x -exec cp {} dist/ \\;",
            ], setup: nil)
    }

    private static func node(_ project: Project) -> Parts {
        let lock = ["package-lock.json", "yarn.lock", "pnpm-lock.yaml"].first(where: project.exists)
        let install =
            lock == "yarn.lock"
            ? "yarn install --frozen-lockfile"
            : lock == "pnpm-lock.yaml" ? "pnpm install --frozen-lockfile" : lock == nil ? "npm install" : "npm ci"
        let scripts = Self.nodeScripts(project.read("package.json"))
        var jobs = """
              deps:
                cache:
                  key: node-modules-${{ \(hashFiles(["package.json"] + (lock.map { [$0] } ?? []))) }}
                  paths: [node_modules]
                steps:
                  - run: \(install)

            """
        var needs = ["test"]
        if scripts.contains("lint") {
            jobs += "  lint:\n    needs: deps\n    steps:\n      - run: npm run lint\n\n"
            needs.append("lint")
        }
        jobs += "  test:\n    needs: deps\n    steps:\n      - run: npm test\n\n"
        let dist = (scripts.contains("build") ? ["npm run build"] : []) + ["npm pack --pack-destination dist"]
        return Parts(kind: "Node.js", jobs: jobs, packageNeeds: needs, distCommands: dist, setup: "deps")
    }

    /// The names under `"scripts"` in a package.json.
    static func nodeScripts(_ text: String) -> Set<String> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let scripts = object["scripts"] as? [String: Any]
        else { return [] }
        return Set(scripts.keys)
    }

    private static func go(_ project: Project) -> Parts {
        let inputs = project.matching(["go.mod", "go.sum", "**/*.go"])
        let module = cacheBlock(
            project, prefix: "gomod", lockfile: "go.sum", path: ".gomodcache",
            comment: "Modules are kept in the workspace (GOMODCACHE) and cached per go.sum.")
        var jobs = """
              test:
            \(module)\(inputsLine(inputs))    steps:
                  - run: GOMODCACHE="$PWD/.gomodcache" go vet ./...
                  - run: GOMODCACHE="$PWD/.gomodcache" go test ./...

            """
        var needs = ["test"]
        if project.exists(".golangci.yml") || project.exists(".golangci.yaml") {
            jobs += "  lint:\n    steps:\n      - run: golangci-lint run\n\n"
            needs.append("lint")
        }
        return Parts(
            kind: "Go module", jobs: jobs, packageNeeds: needs,
            distCommands: ["GOMODCACHE=\"$PWD/.gomodcache\" go build -o dist/ ./..."], setup: nil)
    }

    private static func rust(_ project: Project) -> Parts {
        let cache = cacheBlock(project, prefix: "cargo", lockfile: "Cargo.lock", path: "target")
        var jobs = """
              test:
            \(cache)\(inputsLine(project.matching(["Cargo.toml", "Cargo.lock", "src/**", "tests/**"])))    steps:
                  - run: cargo test

            """
        var lint: [String] = []
        if project.exists("rustfmt.toml") || project.exists(".rustfmt.toml") {
            lint.append("cargo fmt --all -- --check")
        }
        if project.exists("clippy.toml") || project.exists(".clippy.toml") {
            lint.append("cargo clippy -- -D warnings")
        }
        var needs = ["test"]
        if !lint.isEmpty {
            jobs += "  lint:\n    steps:\n\(steps(lint))\n"
            needs.append("lint")
        }
        return Parts(
            kind: "Rust crate", jobs: jobs, packageNeeds: needs,
            distCommands: [
                "cargo build --release",
                "find target/release -maxdepth 1 -type f -perm -u+x -exec cp {} dist/ \\;",
            ], setup: nil)
    }

    private static func make(_ project: Project, makefile: String) -> Parts {
        // Targets: `name:` at the start of a line (not `name :=` assignments, not special `.TARGETS`).
        var targets: Set<String> = []
        for line in project.read(makefile).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("\t"), !line.hasPrefix("."),
                line[line.index(after: colon)...].first != "="
            else { continue }
            for name in line[..<colon].split(separator: " ")
            where name.allSatisfy({ $0.isLetter || $0.isNumber || "_-".contains($0) }) {
                targets.insert(String(name))
            }
        }
        var jobs = "  build:\n    steps:\n      - run: make\n\n"
        var needs = ["build"]
        if targets.contains("lint") {
            jobs += "  lint:\n    steps:\n      - run: make lint\n\n"
            needs.append("lint")
        }
        if let test = ["test", "check"].first(where: targets.contains) {
            jobs += "  test:\n    needs: build\n    steps:\n      - run: make \(test)\n\n"
            needs = needs.filter { $0 != "build" } + ["test"]
        }
        return Parts(
            kind: "Makefile", jobs: jobs, packageNeeds: needs,
            distCommands: targets.contains("dist") ? ["make dist"] : nil, setup: nil)
    }

    private static let generic = Parts(
        kind: "generic",
        jobs: """
              build:
                steps:
                  - run: echo "replace with your build command"
              test:
                needs: build
                steps:
                  - run: echo "replace with your test command"

            """, packageNeeds: ["test"], distCommands: nil, setup: nil)
}
