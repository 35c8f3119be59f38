import Artifacts
import Attestation
import Foundation
import GantryCore

/// What `artifact list` and `inspect` say about an artifact besides its digest (its origin, as the
/// attestation module reads it), formatted for the terminal and for `--json`.
typealias ArtifactFacts = ArtifactOrigin

extension ArtifactOrigin {
    /// `1.2 MiB  commit 3fa2c1d09b4e (main, dirty)  built 2026-…`
    var summary: String {
        var parts = [ProgressMeter.bytes(contentSize)]
        if let commit {
            let details = [branch, treeState == "dirty" ? "dirty" : nil].compactMap { $0 }
            parts.append("commit \(commit.prefix(12))\(details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")")
        } else {
            parts.append("no provenance commit")
        }
        if let builtAt { parts.append("built \(builtAt)") }
        return parts.joined(separator: "  ")
    }

    var json: [String: Any] {
        var object: [String: Any] = ["size": contentSize]
        if let commit { object["commit"] = commit }
        if let branch { object["branch"] = branch }
        if let treeState { object["tree"] = treeState }
        if let builtAt { object["built"] = builtAt }
        if let invocation { object["correlation"] = invocation }
        return object
    }
}
