/// Terminal output as HTML: text escaped, SGR colour and bold codes (`ESC[31m`, `ESC[1;92m`,
/// `ESC[0m`) turned into spans with classes, every other escape sequence dropped.
enum ANSIHTML {
    static func render(_ line: String) -> String {
        var out = ""
        var open = false
        var scalars = line.unicodeScalars[...]
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            guard scalar == "\u{1B}" else {
                out += HTMLPage.escape(String(scalar))
                continue
            }
            // CSI: ESC [ parameters final-byte.
            guard scalars.first == "[" else { continue }
            scalars = scalars.dropFirst()
            var parameters = ""
            while let next = scalars.first, (0x30...0x3F).contains(next.value) {
                parameters.unicodeScalars.append(next)
                scalars = scalars.dropFirst()
            }
            guard let final = scalars.first else { break }
            scalars = scalars.dropFirst()
            guard final == "m" else { continue }
            if open {
                out += "</span>"
                open = false
            }
            let classes = parameters.split(separator: ";").compactMap { code -> String? in
                switch Int(code) {
                case 1?: "b"
                case let value? where (30...37).contains(value) || (90...97).contains(value): "c\(value)"
                default: nil
                }
            }
            if !classes.isEmpty {
                out += "<span class=\"\(classes.joined(separator: " "))\">"
                open = true
            }
        }
        return open ? out + "</span>" : out
    }
}
