/// Resolves symlink targets inside a tree the way the kernel would, following the tree's own
/// symlinks, to tell whether a link leads out of the tree.
///
/// A lexical check is not enough: with `a/b/c/up -> ..`, the target `a/b/c/up/../../../..` looks like
/// it stays inside (four names, four `..`), but `up` resolves to `a/b`, so the path climbs out.
struct LinkResolver {
    /// Symlinks by their path in the tree (no leading `./`), with their targets as written.
    var links: [String: String] = [:]

    /// The most links followed while resolving one path (the kernel's limit too).
    static let maximumHops = 40

    /// Nil when the symlink at `path` with `target` resolves inside the tree (or dangles inside it);
    /// otherwise why it does not.
    func escape(of path: String, target: String) -> String? {
        if target.hasPrefix("/") { return "it points to the absolute path '\(target)'" }
        var hops = 0
        let directory = Array(path.split(separator: "/").dropLast().map(String.init))
        return resolve(target, from: directory, hops: &hops) == nil
            ? (hops > Self.maximumHops
                ? "it goes through more than \(Self.maximumHops) symlinks" : "'\(target)' leads out of the tree")
            : nil
    }

    /// The components `target` resolves to from `directory`, or nil when it leaves the tree.
    private func resolve(_ target: String, from directory: [String], hops: inout Int) -> [String]? {
        if target.hasPrefix("/") { return nil }
        var current = directory
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !current.isEmpty else { return nil }
                current.removeLast()
            default:
                current.append(String(part))
                guard let next = links[current.joined(separator: "/")] else { continue }
                hops += 1
                guard hops <= Self.maximumHops else { return nil }
                current.removeLast()
                guard let resolved = resolve(next, from: current, hops: &hops) else { return nil }
                current = resolved
            }
        }
        return current
    }
}
