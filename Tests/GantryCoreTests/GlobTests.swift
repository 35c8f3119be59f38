import Foundation
import GantryCore
import Testing

@Suite struct GlobTests {
    @Test(
        arguments: [
            ("src/**", "src/a.swift", true),
            ("src/**", "src/deep/er/a.swift", true),
            ("src/**", "other/a.swift", false),
            ("**/*.swift", "a.swift", true),
            ("**/*.swift", "x/y/a.swift", true),
            ("**/*.swift", "x/y/a.swift.bak", false),
            ("*.md", "README.md", true),
            ("*.md", "docs/README.md", false),
            ("docs/*.md", "docs/a.md", true),
            ("docs/**/*.md", "docs/a.md", true),
            ("docs/**/*.md", "docs/x/y/a.md", true),
            ("file?.txt", "file1.txt", true),
            ("file?.txt", "file10.txt", false),
            ("[abc].txt", "b.txt", true),
            ("[!abc].txt", "b.txt", false),
            ("[a-c].txt", "c.txt", true),
            ("./src/*.c", "src/main.c", true),
            ("Sources/**/*.swift", "Sources/Greeter/Greeter.swift", true),
        ] as [(String, String, Bool)])
    func matches(pattern: String, path: String, expected: Bool) {
        #expect(Glob(pattern).matches(path) == expected, "\(pattern) vs \(path)")
    }

    @Test func literalPrefixStopsAtFirstWildcard() {
        #expect(Glob("Sources/Engine/**/*.swift").literalPrefix == "Sources/Engine")
        #expect(Glob("*.md").literalPrefix == "")
        #expect(Glob("docs/a.md").literalPrefix == "docs")
    }
}

@Suite struct FileWalkerTests {
    @Test func literalAndWildcardPatterns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for path in ["a.txt", "src/b.swift", "src/deep/c.swift", ".git/config", "src/notes.md"] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(path.utf8).write(to: url)
        }
        #expect(FileWalker.files(under: root, matching: [Glob("a.txt")]) == ["a.txt"])
        #expect(FileWalker.files(under: root, matching: [Glob("./a.txt"), Glob("missing.txt")]) == ["a.txt"])
        #expect(FileWalker.files(under: root, matching: [Glob("src")]) == [])  // a directory is not a file
        #expect(
            FileWalker.files(under: root, matching: [Glob("src/**/*.swift")]) == ["src/b.swift", "src/deep/c.swift"])
        #expect(FileWalker.files(under: root, matching: [Glob("**")]).contains(".git/config") == false)
    }
}

@Suite struct FileWalkerMatchTests {
    /// One walk gives the files and the patterns that matched nothing, in the order written.
    @Test func reportsUnmatchedPatternsFromTheSameWalk() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("src"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: root.appendingPathComponent("src/a.swift"))
        try Data("p".utf8).write(to: root.appendingPathComponent("Package.swift"))
        let globs = ["src/**/*.swift", "pyprojekt.toml", "Package.swift", "docs/*.md"].map(Glob.init)
        let (files, unmatched) = FileWalker.match(under: root, globs)
        #expect(files == ["Package.swift", "src/a.swift"])
        #expect(unmatched.map(\.pattern) == ["pyprojekt.toml", "docs/*.md"])
        #expect(FileWalker.files(under: root, matching: globs) == files)
    }
}
