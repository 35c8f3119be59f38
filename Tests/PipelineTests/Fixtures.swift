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
