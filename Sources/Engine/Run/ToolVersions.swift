import Foundation
import GantryCore
import Processes

/// Versions of Gantry and the tools steps rely on, recorded with every run.
public enum ToolVersions {
    /// Gantry's own version.
    public static let gantry = "0.1.0"

    /// A JSON object: gantry, bash, git (first line of each `--version`, or absent).
    static func json() async -> String {
        var versions: [(String, String)] = [("gantry", gantry)]
        for tool in ["bash", "git"] {
            if let line = await firstLine(of: tool) { versions.append((tool, line)) }
        }
        return "{" + versions.map { "\(JSONText.quote($0.0)):\(JSONText.quote($0.1))" }.joined(separator: ",") + "}"
    }

    private static func firstLine(of tool: String) async -> String? {
        let output = OutputCollector(limit: 4096)
        let outcome = try? await ProcessRunner(killGrace: .seconds(1)).run(
            ProcessSpec(
                executable: tool, arguments: ["--version"],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                workingDirectory: "/"),
            timeout: .seconds(10), cancellation: CancellationFlag()
        ) { stream, bytes in
            if stream == .stdout { output.append(bytes) }
        }
        guard outcome?.succeeded == true else { return nil }
        return output.text.split(separator: "\n").first.map(String.init)
    }
}
