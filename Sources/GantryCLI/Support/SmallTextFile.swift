import Foundation
import GantryCore

/// A small text file a command or an option names (`--var-file`, `--event-file`, the workflow
/// `gantry convert` reads): at most 1 MiB, UTF-8.
enum SmallTextFile {
    static let maximumBytes = 1 << 20

    /// The text at `path`, or why not, worded after `label` (`--var-file vars.env`).
    static func read(_ path: String, label: String) -> Result<String, InputError> {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(InputError("\(label): no such file or not readable"))
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumBytes + 1)) ?? Data()
        guard data.count <= maximumBytes else { return .failure(InputError("\(label): larger than 1 MiB")) }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(InputError("\(label): not valid UTF-8"))
        }
        return .success(text)
    }
}
