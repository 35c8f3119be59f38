import Artifacts
import Foundation
import GantryCore
import Store
import Testing

@testable import Attestation
@testable import Release

@Suite struct PromotionTests {
    @Test func promotionDeploysVerifiesAndMovesThePointer() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let lines = LineRecorder()
        let outcome = try await fixture.promoter(lines: lines).promote(app: "web", to: "dev", source: .digest(digest))
        #expect(outcome.promotion.status == .succeeded)
        #expect(
            outcome.checks.map(\.name) == [
                "artifact", "signature", "sbom seal", "requires", "not rejected", "policy", "approvals",
            ])
        #expect(outcome.checks.allSatisfy { $0.result == .passed })
        // The deploy command saw the documented variables and the unpacked artifact.
        #expect(fixture.deploys() == ["dev \(digest) prev= 1.0.0"])
        let pointer = try #require(try fixture.state.pointer(app: "web", environment: "dev"))
        #expect(pointer.digest.description == digest)
        #expect(pointer.lastKnownGood?.description == digest)
        #expect(pointer.tag == "1.0.0")
        #expect(pointer.commit == String(repeating: "c", count: 40))
        #expect(pointer.deployedBy == "dana")
        // The checkout is gone after the deployment.
        #expect(
            !FileManager.default.fileExists(
                atPath: fixture.stateDirectory.appendingPathComponent("deploy/\(outcome.promotion.id)").path))
        let actions = try fixture.state.auditEntries().map(\.action)
        #expect(actions == ["promote.checks", "promote.request", "promote.deployed"])
        #expect(try fixture.state.verifyAudit().isIntact)
        #expect(lines.all.contains { $0.hasPrefix("✓ sbom seal:") })
    }

    @Test func anUnknownDigestIsRefusedAndNothingIsRecorded() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        _ = try fixture.pack("1.0.0")
        let unknown = "sha256:" + String(repeating: "e", count: 64)
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(unknown))
        }
        #expect(try fixture.state.promotions().isEmpty)
        #expect(try fixture.state.pointer(app: "web", environment: "dev") == nil)
        #expect(try fixture.state.auditEntries().map(\.action) == ["promote.refused"])
        // Bad input is an input error (exit 2), not a crash.
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest("sha256:xyz"))
            Issue.record("expected an error")
        } catch let error as ReleaseError {
            #expect(error.exitStatus == .inputError)
        }
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "qa", source: .digest(unknown))
            Issue.record("expected an error")
        } catch let error as ReleaseError {
            #expect(error.description.contains("unknown environment 'qa'"))
            #expect(error.description.contains("dev, staging, prod"))
        }
    }

    @Test func aDigestThatSkippedRequiresIsRefused() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "staging", source: .digest(digest))
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, let detail) {
            #expect(check == "requires")
            #expect(detail.contains("has not been deployed and verified in dev"))
        }
        #expect(try fixture.state.openPromotion(app: "web", environment: "staging") == nil)
    }

    @Test func aByteChangedInTheLayerOnDiskIsFound() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let artifact = try fixture.artifacts.resolve(.digest(app: "web", try #require(Digest(parsing: digest))))
        let layer = try #require(try fixture.artifacts.manifest(of: artifact).layers.first)
        let url = fixture.artifacts.layout.blobURL(layer.digest)
        var bytes = try Data(contentsOf: url)
        bytes[600] ^= 0x01
        try bytes.write(to: url)
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, let detail) {
            #expect(check == "artifact")
            #expect(detail.contains("corrupt"))
        }
        #expect(fixture.deploys().isEmpty)
        #expect(try fixture.state.pointer(app: "web", environment: "dev") == nil)
    }

    @Test func aLayerVerifiedOnceIsNotHashedAgainUntilItChanges() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let artifact = try fixture.artifacts.resolve(.digest(app: "web", try #require(Digest(parsing: digest))))
        let layer = try #require(try fixture.artifacts.manifest(of: artifact).layers.first)
        // Pretend the blob was written long ago, so it leaves the racy window.
        let url = fixture.artifacts.layout.blobURL(layer.digest)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, url.path, &times, 0) == 0)
        // ctime is now; the check uses whichever is newer, so move "now" past the window.
        let later = Date().addingTimeInterval(10)
        let integrity = ArtifactIntegrity(artifacts: fixture.artifacts, state: fixture.repositories)
        #expect(try await integrity.check(artifact, now: later).contains("match their digests"))
        #expect(try fixture.state.verifiedBlobStamp(layer.digest.description) != nil)
        #expect(try await integrity.check(artifact, now: later).contains("1 unchanged since last verified"))
        // Changing the file (same size) changes its ctime: it is hashed again and the change is found.
        var bytes = try Data(contentsOf: url)
        bytes[600] ^= 0x01
        try bytes.write(to: url)
        #expect(utimensat(AT_FDCWD, url.path, &times, 0) == 0)
        await #expect(throws: ArtifactError.self) { try await integrity.check(artifact, now: later) }
    }

    @Test func aWrongOrMissingKeyIsRefused() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        do {
            _ = try await fixture.promoter(keys: [SigningKey().publicKey]).promote(
                app: "web", to: "dev", source: .digest(digest))
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, _) {
            #expect(check == "signature")
        }
        do {
            _ = try await fixture.promoter(keys: []).promote(app: "web", to: "dev", source: .digest(digest))
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, let detail) {
            #expect(check == "signature")
            #expect(detail.contains("no trusted public key"))
        }
        let unsigned = try fixture.pack("2.0.0", sign: false)
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(unsigned))
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, let detail) {
            #expect(check == "signature")
            #expect(detail.contains("no provenance is attached"))
        }
        #expect(fixture.deploys().isEmpty)
    }

    @Test func aTamperedSBOMBreaksTheSeal() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let artifact = try fixture.artifacts.resolve(.digest(app: "web", try #require(Digest(parsing: digest))))
        var bom = try SBOMGenerator(appName: "web", timestamp: 0).bom(
            for: fixture.directory.url.appendingPathComponent("src-1.0.0"))
        bom.components.removeAll()
        let statement = Statement(
            subject: [.init(name: "web", digest: ["sha256": artifact.digest.hex])],
            predicateType: CycloneDXBOM.predicateType, predicate: bom)
        let envelope = try DSSEEnvelope.sign(
            try statement.canonicalData(), type: DSSEEnvelope.inTotoPayloadType, with: fixture.key)
        try fixture.artifacts.attach(
            try JSONEncoder().encode(envelope), mediaType: DSSEEnvelope.mediaType, artifactType: Attestor.sbomType,
            to: artifact)
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, let detail) {
            #expect(check == "sbom seal")
            #expect(detail.contains("the SBOM was replaced"))
        }
    }

    @Test func aFailedHealthCheckRollsBackToLastKnownGood() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let good = try fixture.pack("1.0.0")
        let bad = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(good))
        // The health check reads a file each deployment leaves; make 2.0.0 unhealthy by failing the check
        // while 2.0.0 is deployed: the check command fails on the version it sees.
        var pipeline = fixture.pipeline
        let index = try #require(pipeline.environments.firstIndex { $0.name == "dev" })
        pipeline.environments[index].verify?.probe = .command(#"[ "$GANTRY_DIGEST" != "\#(bad)" ]"#)
        var context = fixture.context()
        context.pipeline = pipeline
        do {
            _ = try await Promoter(context: context).promote(app: "web", to: "dev", source: .digest(bad))
            Issue.record("expected the promotion to fail")
        } catch ReleaseError.deploymentFailed(let message) {
            #expect(message.contains("rolled back automatically"))
        }
        let records = try fixture.state.promotions(app: "web", environment: "dev")
        #expect(records.first?.status == .rolledBack)
        let pointer = try #require(try fixture.state.pointer(app: "web", environment: "dev"))
        #expect(pointer.digest.description == good)
        #expect(pointer.lastKnownGood?.description == good)
        // Deployed good, then bad, then good again (told that bad was what it replaced).
        #expect(
            fixture.deploys() == [
                "dev \(good) prev= 1.0.0", "dev \(bad) prev=\(good) 2.0.0", "dev \(good) prev=\(bad) 1.0.0",
            ])
        #expect(try fixture.state.auditEntries().map(\.action).contains("rollback.automatic"))
        // The lock is released: the next promotion may start.
        #expect(try fixture.state.openPromotion(app: "web", environment: "dev") == nil)
    }

    @Test func aFailedFirstDeploymentHasNothingToRollBackTo() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        try fixture.setHealth("dev", "broken")
        let digest = try fixture.pack("1.0.0")
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
            Issue.record("expected the promotion to fail")
        } catch ReleaseError.deploymentFailed(let message) {
            #expect(message.contains("no last-known-good"))
        }
        #expect(try fixture.state.promotions().first?.status == .failed)
        #expect(try fixture.state.pointer(app: "web", environment: "dev") == nil)
    }

    @Test func rejectedDigestsAreNeverPromotedNorRolledBackTo() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let first = try fixture.pack("1.0.0")
        let second = try fixture.pack("2.0.0")
        let third = try fixture.pack("3.0.0")
        for digest in [first, second, third] {
            _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(digest))
        }
        _ = try await fixture.promoter().reject(app: "web", digest: second, reason: "corrupts sessions")
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(second))
        }
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().rollback(
                app: "web", environment: "dev", to: second, reason: "try", force: false)
        }
        // The default target skips the rejected digest and goes to the one before it.
        let outcome = try await fixture.promoter().rollback(
            app: "web", environment: "dev", to: nil, reason: "3.0.0 is slow", force: false)
        #expect(outcome.promotion.kind == .rollback)
        #expect(outcome.promotion.digest.description == first)
        #expect(try fixture.state.pointer(app: "web", environment: "dev")?.digest.description == first)
        // Rejections need a reason and a digest that exists here.
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().reject(app: "web", digest: third, reason: " ")
        }
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().reject(
                app: "web", digest: "sha256:" + String(repeating: "0", count: 64), reason: "x")
        }
    }

    @Test func rollingBackPastAnIrreversiblePromotionNeedsForce() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let first = try fixture.pack("1.0.0")
        let second = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(first))
        _ = try await fixture.promoter().promote(
            app: "web", to: "dev", source: .digest(second), irreversible: "drops column users.legacy_id")
        do {
            _ = try await fixture.promoter().rollback(
                app: "web", environment: "dev", to: nil, reason: "bug", force: false)
            Issue.record("expected a refusal")
        } catch ReleaseError.checkFailed(let check, let detail) {
            #expect(check == "irreversible")
            #expect(detail.contains("drops column users.legacy_id"))
            #expect(detail.contains("--force"))
        }
        #expect(try fixture.state.pointer(app: "web", environment: "dev")?.digest.description == second)
        let lines = LineRecorder()
        let outcome = try await fixture.promoter(lines: lines).rollback(
            app: "web", environment: "dev", to: first, reason: "bug", force: true)
        #expect(outcome.promotion.status == .succeeded)
        #expect(lines.all.contains { $0.hasPrefix("warning: rolling back past irreversible") })
        // Rollback needs a reason, and only goes to digests that ran there.
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().rollback(app: "web", environment: "dev", to: nil, reason: "", force: false)
        }
        await #expect(throws: ReleaseError.self) {
            try await fixture.promoter().rollback(
                app: "web", environment: "staging", to: nil, reason: "x", force: false)
        }
    }

    @Test func anIrreversiblePromotionThatFailsIsNotRolledBackAutomatically() async throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let first = try fixture.pack("1.0.0")
        let second = try fixture.pack("2.0.0")
        _ = try await fixture.promoter().promote(app: "web", to: "dev", source: .digest(first))
        try fixture.setHealth("dev", "broken")
        do {
            _ = try await fixture.promoter().promote(
                app: "web", to: "dev", source: .digest(second), irreversible: "migrates the schema")
            Issue.record("expected the promotion to fail")
        } catch ReleaseError.deploymentFailed(let message) {
            #expect(message.contains("not rolled back automatically"))
        }
        #expect(fixture.deploys().count == 2)
        #expect(try fixture.state.promotions().first?.status == .failed)
    }

    @Test func oneOpenPromotionPerAppAndEnvironment() throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        let record = PromotionRecord(
            id: "p-first", kind: .promote, app: "web", environment: "dev", digest: Digest.sha256("1"),
            status: .deploying,
            requestedBy: "dana", pid: getpid(), host: ProcessInfo.processInfo.hostName)
        _ = try fixture.state.openPromotion(record)
        var second = record
        second.id = "p-second"
        #expect(throws: PromotionConflict.self) { try fixture.state.openPromotion(second) }
        do {
            _ = try fixture.state.openPromotion(second)
        } catch let conflict as PromotionConflict {
            #expect(conflict.description.contains("p-first"))
            #expect(conflict.description.contains("in progress"))
        }
        // Another app, or another environment, is not blocked.
        var other = second
        other.app = "api"
        _ = try fixture.state.openPromotion(other)
    }

    @Test func aPromotionWhoseProcessDiedDoesNotHoldTheLockForever() throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        // A process that has exited: its pid no longer exists.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = PromotionRecord(
            id: "p-dead", kind: .promote, app: "web", environment: "dev", digest: Digest.sha256("1"),
            status: .deploying,
            requestedBy: "dana", pid: child.processIdentifier, host: ProcessInfo.processInfo.hostName)
        _ = try fixture.state.openPromotion(dead)
        var next = dead
        next.id = "p-next"
        next.pid = getpid()
        _ = try fixture.state.openPromotion(next, isStale: { kill($0.pid ?? 0, 0) != 0 })
        #expect(try fixture.state.promotion(id: "p-dead")?.status == .abandoned)
        #expect(try fixture.state.openPromotion(app: "web", environment: "dev")?.id == "p-next")
    }

    @Test func aLeaseAnyHostCanJudgeDecidesWhetherAPromotionIsAbandoned() throws {
        let fixture = try ReleaseFixture()
        defer { fixture.remove() }
        // A promotion driven from another host: its pid means nothing here; only its lease can tell.
        var remote = PromotionRecord(
            id: "p-remote", kind: .promote, app: "web", environment: "dev", digest: Digest.sha256("1"),
            status: .deploying,
            requestedBy: "dana", pid: 4242, host: "build-host-2", leaseExpiresAt: Date().addingTimeInterval(60))
        remote = try fixture.state.openPromotion(remote)
        let token = try #require(remote.fencingToken)
        var next = remote
        next.id = "p-next"
        next.host = ProcessInfo.processInfo.hostName
        next.pid = getpid()
        // Its lease runs: the environment is busy.
        #expect(throws: PromotionConflict.self) { try fixture.state.openPromotion(next, isStale: Promoter.isStale) }
        #expect(try fixture.state.renewLease("p-remote", token: token, until: Date().addingTimeInterval(-1)))
        // Its lease ran out: any process may close it and take the environment, with a newer token.
        let taken = try fixture.state.openPromotion(next, isStale: Promoter.isStale)
        #expect(try fixture.state.promotion(id: "p-remote")?.status == .abandoned)
        #expect(try fixture.state.promotion(id: "p-remote")?.detail.contains("its lease expired") == true)
        #expect((taken.fencingToken ?? 0) > token)
        // The first process, back from a pause, cannot renew what it lost.
        #expect(try fixture.state.renewLease("p-remote", token: token, until: Date().addingTimeInterval(60)) == false)
        #expect(try fixture.state.renewLease("p-next", token: token, until: Date().addingTimeInterval(60)) == false)
        #expect(
            try fixture.state.renewLease(
                "p-next", token: try #require(taken.fencingToken), until: Date().addingTimeInterval(60)))
    }
}
