import Foundation
import GantryCore
import Pipeline
import Processes

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Whether a started release may take traffic: its port accepts connections, an HTTP path answers
/// 2xx, or a command exits 0.
struct ReadinessProbe: Sendable {
    var readiness: ProcessDeployDefinition.Readiness
    var workingDirectory: URL
    var environment: [String: String]

    /// One attempt against `port`; a failure says why.
    func check(port: Int) async -> (ready: Bool, detail: String) {
        switch readiness {
        case .port:
            return Self.accepts(port: port)
                ? (true, "port \(port) accepts connections") : (false, "port \(port) refuses connections")
        case .http(let path):
            guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else {
                return (false, "bad readiness path \(path)")
            }
            // Probed every 200 ms until ready: on the shared session, not one made each time.
            let result = await ShortRequest.check(url, label: path, timeout: .seconds(2), session: .shared)
            return (result.passed, result.detail)
        case .command(let command):
            let spec = ProcessSpec(
                executable: "bash", arguments: ["-c", command], environment: environment,
                workingDirectory: workingDirectory.path)
            let outcome = try? await ProcessRunner(killGrace: .seconds(1)).run(
                spec, timeout: .seconds(10), cancellation: CancellationFlag()
            ) { _, _ in }
            return outcome?.succeeded == true
                ? (true, "readiness command passed")
                : (false, "readiness command exit \(outcome?.exitCode.map(String.init) ?? "?")")
        }
    }

    /// True when something listens on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
