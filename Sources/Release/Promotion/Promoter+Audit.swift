import Foundation

extension Promoter {
    /// Runs `operation`, then writes a signed checkpoint of the audit log (when a signing key is
    /// configured), whether the operation succeeded or threw: what it recorded is anchored either way.
    func anchored<T>(_ reason: String, _ operation: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await operation()
        } catch {
            await anchorAudit(reason: reason)
            throw error
        }
        await anchorAudit(reason: reason)
        return result
    }

    /// Writes a signed checkpoint of the audit log after a promotion, rollback or rejection (when a
    /// signing key is configured). A failure to write it is reported, never hidden, but does not undo
    /// what was already deployed.
    func anchorAudit(reason: String) async {
        let anchor = AuditAnchor(
            state: context.state, artifacts: context.artifacts, signingKey: context.signingKey, keys: context.keys)
        do {
            try await anchor.checkpoint(reason: reason)
        } catch {
            context.reporter.line("warning: could not write the audit checkpoint: \(error)")
        }
    }
}
