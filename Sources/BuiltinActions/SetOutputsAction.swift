import Engine

/// `uses: gantry/set-outputs`: every `with:` entry becomes a step output (values may use expressions).
struct SetOutputsAction: BuiltinAction {
    static let name = "set-outputs"
    static let inputs: [String] = []  // any name is accepted

    func run(_ invocation: ActionInvocation) async throws -> [String: String] { invocation.with }
}
