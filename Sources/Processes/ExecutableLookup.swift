import Foundation
import Synchronization

/// Finds programs on a `PATH`, remembering where it found them: a 1,000-job run would otherwise repeat
/// the same `access(2)` calls for every directory of `PATH` for every step. Misses are not remembered,
/// so a tool that an earlier step installs is found by a later one.
package enum ExecutableLookup {
    private static let cache = Mutex<[String: String]>([:])

    /// The full path of `name` on `path`, or nil. Names with a `/` are checked as they are.
    package static func resolve(_ name: String, path: String?) -> String? {
        if name.utf8.contains(UInt8(ascii: "/")) { return access(name, X_OK) == 0 ? name : nil }
        let searchPath = path ?? "/usr/local/bin:/usr/bin:/bin"
        let key = searchPath + "\u{0}" + name
        if let known = cache.withLock({ $0[key] }) { return known }
        var found: String?
        for directory in searchPath.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
            found = "\(directory)/\(name)"
            break
        }
        if let found { cache.withLock { $0[key] = found } }
        return found
    }
}
