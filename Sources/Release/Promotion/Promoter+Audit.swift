import Foundation

extension Promoter {
    /// Writes a signed checkpoint of the audit log after a promotion, rollback or rejection (when a
    /// signing key is configured). A failure to write it is reported, never hidden, but does not undo
    /// what was already deployed.
    func anchorAudit(reason: String) {
        let anchor = AuditAnchor(
            state: context.state, artifacts: context.artifacts, signingKey: context.signingKey, keys: context.keys)
        do {
            try anchor.checkpoint(reason: reason)
        } catch {
            context.reporter.line("warning: could not write the audit checkpoint: \(error)")
        }
    }
}
