import GantryCore
import Yams

/// A small YAML input of the policy module (`secrets.yml`, `waivers.yml`): its root node, and node
/// positions as `file:line:col` for error messages.
struct YAMLFile {
    let file: String
    let root: Node?

    /// Composes `text`; a syntax error becomes `error("file: YAML syntax error: …")`.
    init(_ text: String, file: String, error: (String) -> any Error) throws {
        self.file = file
        do {
            root = try BoundedYAML.compose(text)
        } catch let problem as BoundedYAML.TooLarge {
            throw error("\(file):\(problem.line):\(problem.column): \(problem.message)")
        } catch let problem {
            throw error("\(file): YAML syntax error: \(problem)")
        }
    }

    /// Where `node` starts, or the file's start when there is no node.
    func at(_ node: Node?) -> String {
        guard let mark = node?.mark else { return "\(file):1:1" }
        return "\(file):\(mark.line):\(mark.column)"
    }
}
