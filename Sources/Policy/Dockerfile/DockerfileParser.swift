/// One instruction of a Dockerfile, with the line it starts on.
public struct DockerInstruction: Sendable, Hashable {
    /// Uppercased keyword (`FROM`, `RUN`, …).
    public var keyword: String
    /// Everything after the keyword, continuation lines joined with a space.
    public var arguments: String
    public var line: Int
}

/// Splits a Dockerfile into instructions: comments and blank lines dropped, `\` continuations joined
/// (or the escape character a `# escape=` directive names). Unknown instructions are syntax errors.
public enum DockerfileParser {
    public static let keywords: Set<String> = [
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
        "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ]

    /// A syntax error with its line.
    public struct SyntaxError: Error, Sendable, Hashable {
        public var line: Int
        public var message: String
    }

    public static func parse(_ text: String) throws(SyntaxError) -> [DockerInstruction] {
        var escape: Character = "\\"
        var instructions: [DockerInstruction] = []
        var current: (keyword: String, arguments: String, line: Int)?
        var sawInstruction = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !sawInstruction, current == nil, trimmed.lowercased().hasPrefix("# escape=") {
                escape = trimmed.dropFirst("# escape=".count).first ?? "\\"
                continue
            }
            if trimmed.hasPrefix("#") || (trimmed.isEmpty && current == nil) { continue }
            let continues = trimmed.last == escape
            let content = continues ? String(trimmed.dropLast()) : trimmed
            if var open = current {
                open.arguments += (open.arguments.isEmpty ? "" : " ") + content.trimmingCharacters(in: .whitespaces)
                current = open
            } else {
                let parts = content.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                guard let first = parts.first else { continue }
                let keyword = first.uppercased()
                guard keywords.contains(keyword) else {
                    throw SyntaxError(line: number, message: "unknown instruction '\(first)'")
                }
                current = (
                    keyword, parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : "", number
                )
                sawInstruction = true
            }
            if !continues, let done = current {
                instructions.append(
                    DockerInstruction(keyword: done.keyword, arguments: done.arguments, line: done.line))
                current = nil
            }
        }
        if let open = current {
            instructions.append(DockerInstruction(keyword: open.keyword, arguments: open.arguments, line: open.line))
        }
        guard let first = instructions.first(where: { $0.keyword != "ARG" }) else {
            throw SyntaxError(line: max(1, lines.count), message: "no FROM instruction")
        }
        guard first.keyword == "FROM" else {
            throw SyntaxError(
                line: first.line, message: "\(first.keyword) before the first FROM (only ARG may come first)")
        }
        for instruction in instructions where instruction.arguments.isEmpty && instruction.keyword != "HEALTHCHECK" {
            throw SyntaxError(line: instruction.line, message: "\(instruction.keyword) needs arguments")
        }
        return instructions
    }
}
