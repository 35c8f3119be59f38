/// One instruction of a Dockerfile, with the line it starts on.
public struct DockerInstruction: Sendable, Hashable {
    /// Uppercased keyword (`FROM`, `RUN`, …).
    public var keyword: String
    /// Everything after the keyword, continuation lines joined with a space.
    public var arguments: String
    public var line: Int
    /// BuildKit heredocs (`RUN <<EOF` … `EOF`) the instruction opens, in order, with their bodies.
    public var heredocs: [DockerHeredoc] = []
}

/// The body of a heredoc: a script for `RUN`, a file's content for `COPY`/`ADD`.
public struct DockerHeredoc: Sendable, Hashable {
    public var delimiter: String
    /// The body's lines with their line numbers in the Dockerfile.
    public var lines: [DockerLine]
}

/// One line of a Dockerfile.
public struct DockerLine: Sendable, Hashable {
    public var text: String
    public var number: Int
}

/// Splits a Dockerfile into instructions: comments and blank lines dropped, `\` continuations joined
/// (or the escape character a `# escape=` directive names), BuildKit heredocs of `RUN`, `COPY` and `ADD`
/// (`<<EOF`, `<<-EOF`, `<<"EOF"`, several per instruction) read as their bodies. Unknown instructions
/// and heredocs that never end are syntax errors.
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
        /// Heredocs still to read after the last instruction: (delimiter, strip tabs, opened on line).
        var openHeredocs: [(String, Bool, Int)] = []
        var body: [DockerLine] = []
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if let (delimiter, stripTabs, _) = openHeredocs.first {
                let candidate = stripTabs ? String(line.drop { $0 == "\t" }) : line
                if candidate == delimiter {
                    instructions[instructions.count - 1].heredocs.append(
                        DockerHeredoc(delimiter: delimiter, lines: body))
                    body = []
                    openHeredocs.removeFirst()
                } else {
                    body.append(DockerLine(text: candidate, number: number))
                }
                continue
            }
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
                if ["RUN", "COPY", "ADD"].contains(done.keyword) {
                    openHeredocs = heredocMarkers(in: done.arguments).map { ($0.0, $0.1, done.line) }
                }
                current = nil
            }
        }
        if let (delimiter, _, line) = openHeredocs.first {
            throw SyntaxError(
                line: line, message: "the heredoc <<\(delimiter) is never closed by a line '\(delimiter)'")
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

    /// The heredoc operators in an instruction's arguments: `<<WORD`, `<<-WORD` (tabs stripped from the
    /// body), with the word optionally quoted; `<<<` (a here-string) is not one.
    static func heredocMarkers(in arguments: String) -> [(String, Bool)] {
        let characters = Array(arguments)
        var markers: [(String, Bool)] = []
        var index = 0
        while index + 1 < characters.count {
            guard characters[index] == "<", characters[index + 1] == "<",
                index == 0 || characters[index - 1] != "<"
            else {
                index += 1
                continue
            }
            var at = index + 2
            if at < characters.count, characters[at] == "<" {
                index = at + 1
                continue
            }
            var stripTabs = false
            if at < characters.count, characters[at] == "-" {
                stripTabs = true
                at += 1
            }
            var quote: Character?
            if at < characters.count, characters[at] == "\"" || characters[at] == "'" {
                quote = characters[at]
                at += 1
            }
            var word = ""
            while at < characters.count, characters[at].isLetter || characters[at].isNumber || characters[at] == "_" {
                word.append(characters[at])
                at += 1
            }
            if let quote, at < characters.count, characters[at] == quote { at += 1 }
            if !word.isEmpty, word.first?.isNumber == false { markers.append((word, stripTabs)) }
            index = at
        }
        return markers
    }
}
