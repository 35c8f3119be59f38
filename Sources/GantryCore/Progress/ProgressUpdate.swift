/// How far one long operation has come, for a progress line on a terminal: an upload, a download, a
/// pack, a scan, an import. Libraries report; only the command line decides whether to show it.
public struct ProgressUpdate: Sendable, Hashable {
    /// What is being done: `push sha256:1a2b3c4d5e6f`, `pack dist`, `scan`, `import`.
    public var label: String
    /// Bytes or items done so far.
    public var done: Int64
    /// The total, when known.
    public var total: Int64?
    /// `nil` for bytes; otherwise what is counted (`records`, `files`).
    public var items: String?

    public init(label: String, done: Int64, total: Int64? = nil, items: String? = nil) {
        self.label = label
        self.done = done
        self.total = total
        self.items = items
    }
}

/// Receives progress updates; called often, from any thread: keep it cheap.
public typealias ProgressHandler = @Sendable (ProgressUpdate) -> Void
