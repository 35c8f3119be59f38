public import Foundation
import GantryCore
import Processes
import Synchronization

/// Finds committed secrets in a directory tree, a file, or git history.
///
/// Each file is read in 1 MiB chunks (any size, bounded memory); a keyword automaton runs over every
/// byte, and only lines where a rule's keyword occurs are matched against that rule's regex. Binary
/// files (a NUL byte in the first 8 KiB) and allowlisted paths are skipped. Findings carry
/// `file:line:col`, the rule and a redacted value, never the secret.
public struct SecretScanner: Sendable {
    public let rules: [SecretRule]
    public let allowlist: SecretAllowlist
    public let baseline: SecretBaseline
    let matcher: KeywordMatcher
    /// Keyword index → the rules that use it.
    let keywordRules: [[Int]]
    /// Rules tried on every line, whatever its keywords.
    let alwaysRules: Set<Int>
    /// Lines longer than this are matched in overlapping pieces of about this size (bounded memory).
    public var maxLineLength = 1 << 20
    /// Told how many files of a tree are done.
    public var progress: ProgressHandler?
    /// In a git work tree, scan only the files git would track: committed ones and untracked ones that
    /// `.gitignore` does not exclude (a venv, `__pycache__` or build output is not the project's).
    public var respectGitignore = true

    /// The built-in rules plus `config`'s, minus its disabled ones.
    public init(config: SecretsConfig = SecretsConfig(), baseline: SecretBaseline = SecretBaseline()) throws {
        var rules =
            config.useBuiltinRules
            ? try BuiltinSecretRules.rules().filter { !config.disabledRules.contains($0.id) } : []
        for rule in config.rules {
            rules.removeAll { $0.id == rule.id }
            rules.append(rule)
        }
        var allowlist = try SecretAllowlist.defaults()
        allowlist.merge(config.allowlist)
        self.rules = rules
        self.allowlist = allowlist
        self.baseline = baseline
        var keywords: [String] = []
        var keywordRules: [[Int]] = []
        for (ruleIndex, rule) in rules.enumerated() {
            for keyword in rule.keywords {
                if let existing = keywords.firstIndex(of: keyword) {
                    keywordRules[existing].append(ruleIndex)
                } else {
                    keywords.append(keyword)
                    keywordRules.append([ruleIndex])
                }
            }
        }
        matcher = KeywordMatcher(keywords: keywords)
        self.keywordRules = keywordRules
        // A rule without keywords (imported from gitleaks) is tried on every line.
        alwaysRules = Set(rules.indices.filter { rules[$0].keywords.isEmpty })
    }

    /// Scans a file or every file under a directory.
    public func scan(_ url: URL) throws -> ScanReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SecretScanError.input("\(url.path): no such file or directory")
        }
        let files: [(URL, String)]
        if isDirectory.boolValue {
            files = collectFiles(under: url)
        } else {
            files = [(url, url.lastPathComponent)]
        }
        let next = Mutex(0)
        let results = Mutex<(findings: [Finding], warnings: [String], bytes: Int64, scanned: Int, binary: Int)>(
            ([], [], 0, 0, 0))
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, files.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var findings: [Finding] = []
            var warnings: [String] = []
            var bytes: Int64 = 0
            var scanned = 0
            var binary = 0
            while true {
                let index = next.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard index < files.count else { break }
                progress?(ProgressUpdate(label: "scan", done: Int64(index), total: Int64(files.count), items: "files"))
                let (file, relative) = files[index]
                switch scanFile(file, relative: relative) {
                case .scanned(let found, let size):
                    findings += found
                    bytes += size
                    scanned += 1
                case .skipped("binary"): binary += 1  // counted in the summary, not a warning each
                case .skipped(let why): warnings.append("\(relative): skipped (\(why))")
                }
            }
            results.withLock {
                $0.findings += findings
                $0.warnings += warnings
                $0.bytes += bytes
                $0.scanned += scanned
                $0.binary += binary
            }
        }
        let collected = results.withLock { $0 }
        progress?(ProgressUpdate(label: "scan", done: Int64(files.count), total: Int64(files.count), items: "files"))
        return ScanReport(
            scanner: "secrets", rules: rules.map(\.descriptor),
            findings: collected.findings.sorted {
                ($0.file ?? "", $0.line ?? 0, $0.column ?? 0) < ($1.file ?? "", $1.line ?? 0, $1.column ?? 0)
            },
            warnings: collected.warnings.sorted(),
            summary: [
                "files": "\(collected.scanned)", "bytes": "\(collected.bytes)", "binary_skipped": "\(collected.binary)",
            ])
    }

    /// Regular files under `root` (not following symlinks), minus allowlisted paths, sorted.
    func collectFiles(under root: URL) -> [(URL, String)] {
        if respectGitignore, let tracked = Self.gitFiles(under: root) {
            return tracked.compactMap { relative -> (URL, String)? in
                let url = root.appendingPathComponent(relative)
                var info = stat()
                guard lstat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, !allowlist.allowsPath(relative)
                else { return nil }
                return (url, relative)
            }.sorted { $0.1 < $1.1 }
        }
        var files: [(URL, String)] = []
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey, .isSymbolicLinkKey])
        else { return [] }
        let base = root.standardizedFileURL.path
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            let relative = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : url.lastPathComponent
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey, .isSymbolicLinkKey])
            if values?.isDirectory == true {
                if allowlist.allowsPath(relative + "/") { enumerator.skipDescendants() }
                continue
            }
            guard values?.isRegularFile == true, values?.isSymbolicLink != true else { continue }
            if allowlist.allowsPath(relative) { continue }
            files.append((url, relative))
        }
        return files.sorted { $0.1 < $1.1 }
    }

    /// The files git would track under `root` (`git ls-files --cached --others --exclude-standard`),
    /// relative to it; nil when `root` is not in a git work tree or git is missing.
    static func gitFiles(under root: URL) -> [String]? {
        let output = Mutex(Data())
        do {
            try GitCommand.runBlocking(
                ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], in: root, timeout: .seconds(600)
            ) { chunk in output.withLock { $0.append(contentsOf: chunk) } }
        } catch {
            return nil
        }
        return Array(Set(output.withLock { $0 }.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }))
    }

    enum FileResult {
        case scanned([Finding], Int64)
        case skipped(String)
    }

    /// Scans one file, streaming it.
    func scanFile(_ url: URL, relative: String) -> FileResult {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .skipped("cannot be read: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var lines = LineState(scanner: self, file: relative, commit: nil)
        var state = KeywordMatcher.start
        var total: Int64 = 0
        var first = true
        while true {
            let count = read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                return .skipped("read error: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if first {
                first = false
                if let base = chunk.baseAddress, memchr(base, 0, min(count, 8192)) != nil { return .skipped("binary") }
            }
            total += Int64(count)
            state = lines.consume(chunk, state: state)
        }
        lines.finish()
        return .scanned(lines.findings, total)
    }

    /// Findings for one line of text whose keywords hit `candidates` (rule indices).
    func evaluate(
        _ line: String, candidates: Set<Int>, file: String?, lineNumber: Int, commit: String?,
        pending: inout PendingBody?
    ) -> [Finding] {
        if line.contains("gantry:allow-secret") { return [] }
        var findings: [Finding] = []
        // Specific rules first; the generic rule only speaks for lines no specific rule explained.
        let ordered = candidates.sorted {
            (rules[$0].id == "generic-secret" ? 1 : 0, $0) < (rules[$1].id == "generic-secret" ? 1 : 0, $1)
        }
        for ruleIndex in ordered {
            if rules[ruleIndex].id == "generic-secret", !findings.isEmpty || pending != nil { continue }
            let rule = rules[ruleIndex]
            if !rule.applies(to: file) { continue }
            for match in rule.matches(in: line) {
                if allowlist.allowsSecret(match.secret) { continue }
                let finding = makeFinding(
                    rule: rule, secret: match.secret, file: file, line: lineNumber, column: match.column,
                    commit: commit)
                if match.needsBody {
                    pending = PendingBody(finding: finding)
                } else {
                    findings.append(finding)
                }
            }
        }
        return findings
    }

    func makeFinding(rule: SecretRule, secret: String, file: String?, line: Int, column: Int, commit: String?)
        -> Finding
    {
        let fingerprint = Digest.sha256("\(file ?? ""):\(rule.id):\(secret)").hex
        return Finding(
            ruleID: rule.id, severity: rule.severity,
            message: "\(rule.description) (\(Self.redact(secret, rule: rule.id)))", file: file, line: line,
            column: column, commit: commit, snippet: Self.redact(secret, rule: rule.id), fingerprint: fingerprint,
            suppressed: baseline.fingerprints.contains(fingerprint)
                ? Suppression(.baseline, "accepted in the baseline")
                : baseline.acceptsHash(of: secret, in: file)
                    ? Suppression(.baseline, "accepted in the detect-secrets baseline")
                    : baseline.ignores(file: file, line: line, rule: rule.id)
                        ? Suppression(.baseline, "listed in .gitleaksignore") : nil)
    }

    /// The first 4 characters, then asterisks, and the length: enough to find it, useless to use.
    public static func redact(_ secret: String, rule: String) -> String {
        if rule == "private-key" { return secret }  // the PEM header names the key type; it is not secret
        let visible = secret.count > 12 ? 4 : min(2, max(0, secret.count - 8))
        return String(secret.prefix(visible)) + "****" + " (\(secret.count) chars)"
    }

    /// A PEM header waiting for its body on the next line.
    struct PendingBody {
        var finding: Finding

        /// Whether `line` looks like the base64 body of a key.
        static func isBody(_ line: String) -> Bool {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.utf8.count >= 32
                && trimmed.unicodeScalars.allSatisfy {
                    ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
                        || "+/=".unicodeScalars.contains($0)
                }
        }
    }
}

/// Line bookkeeping while a file streams through the keyword automaton.
struct LineState {
    let scanner: SecretScanner
    let file: String?
    let commit: String?
    var findings: [Finding] = []
    var lineNumber = 1
    var carry: [UInt8] = []
    var hitStates: [Int32] = []
    var pending: SecretScanner.PendingBody?
    /// Characters of the current (long) line already matched and dropped from `carry`.
    var columnOffset = 0
    /// Findings of the current line, so the overlap between pieces reports nothing twice.
    var seenOnLine = Set<String>()

    init(scanner: SecretScanner, file: String?, commit: String?) {
        self.scanner = scanner
        self.file = file
        self.commit = commit
    }

    /// Feeds a chunk; returns the automaton state to continue from.
    mutating func consume(_ chunk: UnsafeRawBufferPointer, state start: Int32) -> Int32 {
        var state = start
        var lineStart = 0
        let count = chunk.count
        let matcher = scanner.matcher
        let newline = matcher.newlineClass
        let everyLine = !scanner.alwaysRules.isEmpty
        // `state` is premultiplied here (compact table); hit states are stored as plain indices.
        matcher.compact.withUnsafeBufferPointer { table in
            matcher.compactTerminal.withUnsafeBufferPointer { flags in
                matcher.classes.withUnsafeBufferPointer { classes in
                    var offset = 0
                    while offset < count {
                        let cls = classes[Int(chunk[offset])]
                        if cls == newline {
                            if !hitStates.isEmpty || pending != nil || everyLine {
                                endLine(chunk, from: lineStart, to: offset)
                            } else {
                                // A line without keywords: drop it, and what its pieces counted.
                                if !carry.isEmpty { carry.removeAll(keepingCapacity: true) }
                                columnOffset = 0
                            }
                            lineNumber += 1
                            lineStart = offset + 1
                            state = KeywordMatcher.start
                        } else {
                            state = table[Int(state) &+ Int(cls)]
                            if flags[Int(state)] != 0 { hitStates.append(matcher.stateIndex(premultiplied: state)) }
                        }
                        offset += 1
                    }
                }
            }
        }
        if lineStart < count {
            carry.append(contentsOf: chunk[lineStart..<count])
            while carry.count > scanner.maxLineLength { spill() }
        }
        return state
    }

    /// A line longer than `maxLineLength` is matched in pieces: the piece so far is evaluated, and its
    /// last `overlap` bytes stay (so a secret across the cut is still seen whole); the automaton is run
    /// again over what stays, so its keywords count for the next piece.
    private mutating func spill() {
        if !hitStates.isEmpty || !scanner.alwaysRules.isEmpty {
            let text = String(decoding: carry, as: UTF8.self)
            var ignored: SecretScanner.PendingBody?
            var candidates = scanner.alwaysRules
            for state in hitStates {
                for keyword in scanner.matcher.matches(at: state) {
                    candidates.formUnion(scanner.keywordRules[keyword])
                }
            }
            record(
                scanner.evaluate(
                    text, candidates: candidates, file: file, lineNumber: lineNumber, commit: commit, pending: &ignored)
            )
        }
        let keep = min(Self.overlap, carry.count)
        columnOffset += String(decoding: carry[..<(carry.count - keep)], as: UTF8.self).count
        carry.removeFirst(carry.count - keep)
        hitStates.removeAll(keepingCapacity: true)
        var state = KeywordMatcher.start
        for byte in carry {
            state = scanner.matcher.step(state, byte)
            if scanner.matcher.isMatch(state) { hitStates.append(state) }
        }
    }

    /// Bytes kept between the pieces of a long line: longer than any token the rules match.
    static let overlap = 8192

    /// Adds findings of the current line, with columns counted from the line's start, once each.
    private mutating func record(_ found: [Finding]) {
        for var finding in found {
            finding.column = finding.column.map { $0 + columnOffset }
            let key = "\(finding.ruleID):\(finding.column ?? 0)"
            if seenOnLine.insert(key).inserted { findings.append(finding) }
        }
    }

    /// The file ended: a last line without a newline still counts.
    mutating func finish() {
        if !hitStates.isEmpty || pending != nil || (!scanner.alwaysRules.isEmpty && !carry.isEmpty) {
            endLine(UnsafeRawBufferPointer(start: nil, count: 0), from: 0, to: 0)
        }
    }

    private mutating func endLine(_ chunk: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        var bytes = carry
        if end > start { bytes.append(contentsOf: chunk[start..<end]) }
        carry.removeAll(keepingCapacity: true)
        if bytes.last == 13 { bytes.removeLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        feed(text)
        columnOffset = 0
        seenOnLine.removeAll(keepingCapacity: true)
    }

    /// Evaluates one complete line (also used for git history, line by line).
    mutating func feed(_ text: String) {
        if let waiting = pending {
            pending = nil
            if SecretScanner.PendingBody.isBody(text) { findings.append(waiting.finding) }
        }
        if !hitStates.isEmpty || !scanner.alwaysRules.isEmpty {
            var candidates = scanner.alwaysRules
            for state in hitStates {
                for keyword in scanner.matcher.matches(at: state) {
                    candidates.formUnion(scanner.keywordRules[keyword])
                }
            }
            hitStates.removeAll(keepingCapacity: true)
            record(
                scanner.evaluate(
                    text, candidates: candidates, file: file, lineNumber: lineNumber, commit: commit, pending: &pending)
            )
        }
    }

    /// For callers that already have whole lines: runs the automaton over `text`, then evaluates it.
    mutating func feedLine(_ text: String, number: Int) {
        lineNumber = number
        columnOffset = 0
        seenOnLine.removeAll(keepingCapacity: true)
        var state = KeywordMatcher.start
        for byte in text.utf8 {
            state = scanner.matcher.step(state, byte)
            if scanner.matcher.isMatch(state) { hitStates.append(state) }
        }
        feed(text)
    }
}
