import Foundation
import GantryCore
import Testing

@testable import Release

/// The Kubernetes driver against a fake `kubectl` that records its calls (no cluster runs here).
@Suite struct KubernetesDeployTests {
    static let pipeline = """
        jobs:
          build:
            steps: [{ run: "true" }]
        environments:
          prod:
            secrets: [KUBE_TOKEN]
            deploy:
              kubernetes:
                manifests: k8s
                image: registry.example.com/team/web
                namespace: prod
                kubectl: ./fake-kubectl
              timeout: 45s
        """

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: web }
        spec:
          selector: { matchLabels: { app: web } }
          template:
            metadata: { labels: { app: web } }
            spec:
              containers:
                - name: web
                  image: registry.example.com/team/web:main
                  readinessProbe: { httpGet: { path: /healthz, port: 8080 } }
                  livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
        """

    /// Records each call's arguments in kubectl.log and each applied file as applied-N.yaml; prints the
    /// token it was given (the deploy must mask it); `rollout status` fails once when `rollout-fails` exists.
    static let fakeKubectl = """
        #!/bin/bash
        echo "$*" >> kubectl.log
        n=$(wc -l < kubectl.log)
        for ((i = 1; i <= $#; i++)); do
            if [ "${!i}" = "-f" ]; then j=$((i + 1)); cp "${!j}" "applied-$n.yaml"; fi
        done
        echo "using token $KUBE_TOKEN"
        if [ "$1 $2 $3" = "--namespace prod rollout" ] && [ -e rollout-fails ]; then
            echo "error: deployment \\"web\\" exceeded its progress deadline" >&2
            rm rollout-fails
            exit 1
        fi
        """

    static let token = "kube-token-" + "5f3a9c1e7d2b"

    func fixture() throws -> ReleaseFixture {
        let fixture = try ReleaseFixture(pipeline: Self.pipeline)
        try fixture.directory.write("k8s/deployment.yaml", Self.deployment)
        try fixture.directory.write("fake-kubectl", Self.fakeKubectl)
        chmod(fixture.directory.url.appendingPathComponent("fake-kubectl").path, 0o755)
        return fixture
    }

    func calls(_ fixture: ReleaseFixture) -> [String] {
        ((try? fixture.directory.read("kubectl.log")) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func appliesTheRenderedManifestsAndWaitsForTheRollout() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        let output = LineRecorder()
        let lines = LineRecorder()
        let outcome = try await fixture.promoter(lines: lines, output: output, secrets: ["KUBE_TOKEN": Self.token])
            .promote(app: "web", to: "prod", source: .digest(digest))
        #expect(outcome.promotion.status == .succeeded)
        let kept = fixture.stateDirectory.appendingPathComponent("kubernetes/\(outcome.promotion.id).yaml").path
        #expect(
            calls(fixture) == [
                "--namespace prod apply --server-side --field-manager=gantry -f \(kept)",
                "--namespace prod rollout status deployment/web --timeout=45s",
            ])
        let applied = try fixture.directory.read("applied-1.yaml")
        #expect(applied.contains("image: \"registry.example.com/team/web@\(digest)\""))
        #expect(!applied.contains(":main"))
        #expect(applied == (try String(contentsOfFile: kept, encoding: .utf8)))
        // kubectl saw the secret; nothing printed or logged shows it.
        #expect(output.all.joined().contains("using token ***"))
        #expect(!output.all.joined().contains(Self.token))
        #expect(!lines.all.joined().contains(Self.token))
        let log = try String(
            contentsOf: fixture.stateDirectory.appendingPathComponent("logs/promotions/\(outcome.promotion.id).log"),
            encoding: .utf8)
        #expect(log.contains("using token ***"))
        #expect(!log.contains(Self.token))
    }

    @Test func aFailedRolloutReappliesLastKnownGoodsKeptRendering() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        let good = try fixture.pack("1.0.0")
        let bad = try fixture.pack("2.0.0")
        let secrets = ["KUBE_TOKEN": Self.token]
        let first = try await fixture.promoter(secrets: secrets).promote(app: "web", to: "prod", source: .digest(good))
        // The manifests change after the good deployment: the rollback must restore what ran, not today's files.
        try fixture.directory.write(
            "k8s/deployment.yaml", Self.deployment.replacingOccurrences(of: "app: web }", with: "app: web-v2 }"))
        try fixture.directory.write("rollout-fails", "")
        await #expect(throws: ReleaseError.self) {
            _ = try await fixture.promoter(secrets: secrets).promote(app: "web", to: "prod", source: .digest(bad))
        }
        let promotions = try fixture.state.promotions()
        #expect(promotions.first?.status == .rolledBack)
        // apply (good) + status, apply (bad) + status (fails), apply (good's kept rendering) + status.
        let applied = calls(fixture).filter { $0.contains(" apply ") }
        #expect(applied.count == 3)
        #expect(applied.last?.hasSuffix("kubernetes/\(first.promotion.id).yaml") == true)
        let restored = try fixture.directory.read("applied-5.yaml")
        #expect(restored.contains("@\(good)"))
        #expect(!restored.contains("web-v2"))
    }

    @Test func aMissingSecretStopsThePromotionBeforeAnythingIsRecorded() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        let digest = try fixture.pack("1.0.0")
        do {
            _ = try await fixture.promoter().promote(app: "web", to: "prod", source: .digest(digest))
            Issue.record("expected an error")
        } catch let error as ReleaseError {
            #expect(error.exitStatus == .inputError)
            #expect("\(error)".hasPrefix("environments.prod.secrets: KUBE_TOKEN was not given"))
        }
        #expect(try fixture.state.promotions().isEmpty)
        #expect(calls(fixture).isEmpty)
    }

    @Test func manifestsThatTravelWithTheArtifactWinOverTheCheckout() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        let packed = Self.deployment.replacingOccurrences(of: "name: web }", with: "name: packed }")
        let digest = try fixture.pack("1.0.0", files: ["k8s/deployment.yaml": packed])
        let lines = LineRecorder()
        _ = try await fixture.promoter(lines: lines, secrets: ["KUBE_TOKEN": Self.token])
            .promote(app: "web", to: "prod", source: .digest(digest))
        #expect(calls(fixture).last == "--namespace prod rollout status deployment/packed --timeout=45s")
        #expect(lines.all.contains("  manifests: k8s from the artifact"))
    }

    @Test func refusedManifestsFailTheDeployWithTheirPositions() async throws {
        let fixture = try fixture()
        defer { fixture.remove() }
        try fixture.directory.write(
            "k8s/deployment.yaml", Self.deployment.replacingOccurrences(of: "livenessProbe", with: "startupProbe"))
        let digest = try fixture.pack("1.0.0")
        let lines = LineRecorder()
        await #expect(throws: ReleaseError.self) {
            _ = try await fixture.promoter(lines: lines, secrets: ["KUBE_TOKEN": Self.token])
                .promote(app: "web", to: "prod", source: .digest(digest))
        }
        #expect(try fixture.state.promotions().first?.status == .failed)
        #expect(calls(fixture).isEmpty)
        #expect(
            lines.all.contains {
                $0.contains("k8s/deployment.yaml:10:11: error: Deployment/web container 'web' has no livenessProbe")
            })
    }
}
