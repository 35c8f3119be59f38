import Foundation
import Policy

/// The waivers a command applies: the file `--waivers` names, else `.gantry/waivers.yml` when it
/// exists, else none.
enum WaiverFile {
    static func load(_ flag: String?) throws -> WaiverSet {
        let path = flag ?? StateLocation.directory.appendingPathComponent("waivers.yml").path
        guard flag != nil || FileManager.default.fileExists(atPath: path) else { return WaiverSet() }
        return try WaiverSet.load(path: path)
    }
}
