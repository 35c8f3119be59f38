public import Foundation
import Synchronization

extension SecretScanner {
    /// Scans the lines every commit of `repository`'s history added (`git log -p -U0`), with the real
    /// git, and reports each finding with its commit. Output is read as it comes: memory stays bounded.
    public func scanGitHistory(_ repository: URL, revisions: [String] = ["HEAD"]) throws -> ScanReport {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "git", "-C", repository.path, "log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-renames",
                "--format=commit %H",
            ] + revisions + ["--"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SecretScanError.input("cannot run git: \(error.localizedDescription)")
        }
        let errorData = Mutex(Data())
        let errorReader = Thread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
        }
        errorReader.start()
        var parser = GitPatchParser(scanner: self)
        var commits = Set<String>()
        var pending = Data()
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                parser.take(line)
                if let commit = parser.commit { commits.insert(commit) }
            }
        }
        if !pending.isEmpty { parser.take(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        while errorReader.isExecuting { usleep(1000) }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData.withLock { $0 }, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw SecretScanError.input("git log failed in \(repository.path): \(message)")
        }
        parser.flush()
        return ScanReport(
            scanner: "secrets", rules: rules.map(\.descriptor), findings: parser.findings,
            summary: ["commits": "\(commits.count)"])
    }
}

/// Reads `git log -p -U0` output: commits, files, hunks and added lines.
struct GitPatchParser {
    let scanner: SecretScanner
    var commit: String?
    var file: String?
    var nextLine = 0
    var lines: LineState?
    var findings: [Finding] = []

    init(scanner: SecretScanner) { self.scanner = scanner }

    mutating func take(_ line: String) {
        if line.hasPrefix("commit ") {
            flush()
            commit = String(line.dropFirst("commit ".count))
            file = nil
        } else if line.hasPrefix("+++ ") {
            flush()
            let path = String(line.dropFirst(4))
            file = path == "/dev/null" ? nil : (path.hasPrefix("b/") ? String(path.dropFirst(2)) : path)
            if let file, !scanner.allowlist.allowsPath(file) {
                lines = LineState(scanner: scanner, file: file, commit: commit)
            }
        } else if line.hasPrefix("@@ ") {
            // @@ -a,b +c,d @@: added lines start at c.
            if let plus = line.split(separator: " ").first(where: { $0.hasPrefix("+") }) {
                nextLine = Int(plus.dropFirst().split(separator: ",").first ?? "") ?? 0
            }
        } else if line.hasPrefix("+"), !line.hasPrefix("+++"), lines != nil {
            lines?.feedLine(String(line.dropFirst()), number: nextLine)
            nextLine += 1
        }
    }

    /// Ends the current file's lines.
    mutating func flush() {
        if let done = lines {
            findings += done.findings
            lines = nil
        }
    }
}
