import Foundation
import GantryCore

@testable import Pipeline

/// Parses `text` as `gantry.yml`, returning the definition or the diagnostics.
func parse(_ text: String) -> Result<PipelineDefinition, DiagnosticsError> {
    do {
        return .success(try PipelineParser.parse(text: text, file: "gantry.yml"))
    } catch {
        return .failure(error)
    }
}

/// The diagnostics for `text` (empty when it is valid), as `file:line:col: error: message` strings.
func diagnostics(_ text: String) -> [String] {
    switch parse(text) {
    case .success: return []
    case .failure(let error): return error.diagnostics.map(\.description)
    }
}

/// A temporary repository (a `.git` folder and `files`, by relative path); remove it when done.
func repository(_ files: [String: String]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
    for (path, text) in files {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return root
}
