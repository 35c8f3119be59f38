public import Foundation
import Processes

extension SecretScanner {
    /// Scans the lines every commit of `repository`'s history added (`git log -p -U0`), with the real
    /// git, and reports each finding with its commit. Output is read as it comes: memory stays bounded.
    public func scanGitHistory(_ repository: URL, revisions: [String] = ["HEAD"]) throws -> ScanReport {
        guard !revisions.contains(where: { $0.hasPrefix("-") }) else {
            throw SecretScanError.input("a revision cannot start with '-'")
        }
        // The output is parsed on the thread that supervises git, as it comes; read once git is done.
        let reader = HistoryReader(parser: GitPatchParser(scanner: self))
        do {
            // git runs as every child does: its own process group, killed if gantry dies, never orphaned.
            try GitCommand.runBlocking(
                [
                    "log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-renames", "--format=commit %H",
                ] + revisions + ["--"], in: repository, timeout: .seconds(6 * 3600)
            ) { chunk in reader.take(chunk) }
        } catch let failure as GitCommand.Failure {
            throw SecretScanError.input("git log failed in \(repository.path): \(failure)")
        } catch {
            throw SecretScanError.input("cannot run git: \(error)")
        }
        var parser = reader.finish()
        parser.flush()
        return ScanReport(
            scanner: "secrets", rules: rules.map(\.descriptor), findings: parser.findings,
            summary: ["commits": "\(reader.commits.count)"])
    }
}

/// `git log -p` output split into lines for the parser. Invariant for `@unchecked Sendable`: `take`
/// is called only by the one thread that supervises git, and `finish`/`commits` only after git is
/// done (the runner's completion orders them).
private final class HistoryReader: @unchecked Sendable {
    private var parser: GitPatchParser
    private var pending: [UInt8] = []
    private(set) var commits = Set<String>()

    init(parser: GitPatchParser) { self.parser = parser }

    func take(_ chunk: UnsafeRawBufferPointer) {
        pending.append(contentsOf: chunk)
        var start = 0
        while let newline = pending[start...].firstIndex(of: 10) {
            parser.take(String(decoding: pending[start..<newline], as: UTF8.self))
            if let commit = parser.commit { commits.insert(commit) }
            start = newline + 1
        }
        pending.removeFirst(start)
    }

    func finish() -> GitPatchParser {
        if !pending.isEmpty { parser.take(String(decoding: pending, as: UTF8.self)) }
        pending = []
        return parser
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
