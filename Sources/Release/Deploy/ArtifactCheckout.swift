import Artifacts
import Foundation
import GantryCore

/// Unpacks the artifact a deployment needs into `<state>/deploy/<promotion>/` and removes it after.
struct ArtifactCheckout {
    let directory: URL

    init(store: ArtifactStore, artifact: StoredArtifact, stateDirectory: URL, promotionID: String) throws {
        directory = stateDirectory.appendingPathComponent("deploy").appendingPathComponent(promotionID)
        try? FileManager.default.removeItem(at: directory)
        try store.unpack(artifact, into: directory)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
