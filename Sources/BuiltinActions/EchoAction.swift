import Engine

/// `uses: gantry/echo`: prints `with.message` in the job's output, without starting a process (a
/// workflow's `actions/checkout` and cache steps are this here: nothing to do but say so).
struct EchoAction: BuiltinAction {
    static let name = "echo"
    static let inputs = ["message"]

    func run(_ invocation: ActionInvocation) async throws -> [String: String] {
        invocation.log(invocation.with["message"] ?? "")
        return [:]
    }
}
