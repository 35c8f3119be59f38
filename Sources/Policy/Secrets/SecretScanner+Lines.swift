extension SecretScanner {
    /// Findings in lines that are already in memory (a heredoc's body, a patch), numbered as given;
    /// allowlists, inline `gantry:allow-secret` and multi-line keys apply as in files.
    public func scan(lines: [(text: String, number: Int)], file: String) -> [Finding] {
        var state = LineState(scanner: self, file: file, commit: nil)
        for line in lines { state.feedLine(line.text, number: line.number) }
        state.finish()
        return state.findings
    }
}
