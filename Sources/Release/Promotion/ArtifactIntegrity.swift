import Artifacts
import Foundation
import GantryCore
import StateModel

/// Checks that an artifact's blobs on disk still match their digests. Manifest and config are read
/// and hashed every time; a layer is hashed again only when its file changed since it last matched
/// (size, mtime, ctime or inode differ), so a promotion costs the same for 1 KiB and 1 GiB artifacts
/// while a byte changed on disk is still found.
struct ArtifactIntegrity {
    let artifacts: ArtifactStore
    let state: any StateRepositories
    /// A file changed this recently is always hashed and not remembered: a later write in the same
    /// timestamp tick could go unseen (the "racy git" case).
    static let racyWindow: TimeInterval = 2

    func check(_ artifact: StoredArtifact, now: Date = Date()) async throws -> String {
        let manifest = try artifacts.manifest(of: artifact)
        _ = try artifacts.layout.readBlob(manifest.config.digest)
        var hashed = 0
        var unchanged = 0
        for layer in manifest.layers {
            let url = artifacts.layout.blobURL(layer.digest)
            var info = stat()
            guard stat(url.path, &info) == 0 else {
                throw ArtifactError.corrupt(
                    "layer \(layer.digest) of \(artifact.app)@\(artifact.digest) is missing from the artifact store; "
                        + "pull the artifact again or restore the store from a backup")
            }
            let stamp = BlobStamp(
                size: Int64(info.st_size),
                mtimeNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                ctimeNanoseconds: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
                inode: Int64(info.st_ino))
            guard stamp.size == layer.size else {
                throw ArtifactError.corrupt(
                    "layer \(layer.digest) is \(stamp.size) bytes on disk but the manifest says \(layer.size)")
            }
            if try await state.verifiedBlobStamp(layer.digest.description) == stamp {
                unchanged += 1
                continue
            }
            // Hashing a large layer blocks its thread: not a cooperative one.
            let layout = artifacts.layout
            try await BlockingWork.run { try layout.verifyBlob(layer.digest) }
            hashed += 1
            let changed = Double(max(stamp.mtimeNanoseconds, stamp.ctimeNanoseconds)) / 1_000_000_000
            if changed < now.timeIntervalSince1970 - Self.racyWindow {
                try await state.recordVerifiedBlob(layer.digest.description, stamp: stamp)
            }
        }
        let layers = manifest.layers.count
        return "manifest, config and \(layers) layer\(layers == 1 ? "" : "s") match their digests"
            + (unchanged > 0 ? " (\(hashed) hashed, \(unchanged) unchanged since last verified)" : "")
    }
}
