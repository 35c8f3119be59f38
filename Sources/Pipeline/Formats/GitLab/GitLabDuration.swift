/// GitLab's human durations (`timeout: 1h 30m`, `3 hours 30 minutes`, `90 minutes`, `1 day`,
/// `expire_in: 2 weeks`), as seconds. A bare number is seconds.
enum GitLabDuration {
    private static let units: [(names: [String], seconds: Double)] = [
        (["s", "sec", "secs", "second", "seconds"], 1),
        (["m", "min", "mins", "minute", "minutes"], 60),
        (["h", "hr", "hrs", "hour", "hours"], 3600),
        (["d", "day", "days"], 86_400),
        (["w", "wk", "wks", "week", "weeks"], 604_800),
        (["mo", "month", "months"], 2_592_000),
        (["y", "yr", "yrs", "year", "years"], 31_536_000),
    ]

    /// The duration in seconds; nil when the text is not a duration.
    static func seconds(_ text: String) -> Double? {
        let lowered = text.lowercased()
        guard lowered.count <= 200 else { return nil }
        var total = 0.0
        var sawNumber = false
        var scalars = Substring(lowered)
        func skipSeparators() {
            while let first = scalars.first, first == " " || first == "," || first == "\t" { scalars.removeFirst() }
            if scalars.hasPrefix("and ") { scalars.removeFirst(4) }
        }
        skipSeparators()
        while !scalars.isEmpty {
            let number = scalars.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            scalars.removeFirst(number.count)
            while scalars.first == " " { scalars.removeFirst() }
            let unit = scalars.prefix { $0.isLetter }
            scalars.removeFirst(unit.count)
            if unit.isEmpty {
                total += value
            } else {
                guard let factor = units.first(where: { $0.names.contains(String(unit)) })?.seconds else { return nil }
                total += value * factor
            }
            sawNumber = true
            skipSeparators()
        }
        return sawNumber ? total : nil
    }
}
