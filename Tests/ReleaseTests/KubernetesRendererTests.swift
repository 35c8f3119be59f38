import Foundation
import GantryCore
import GantryTestSupport
import Testing
import Yams

@testable import Release

@Suite struct KubernetesRendererTests {
    static let digest = Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))!
    static let manifests = """
        apiVersion: v1
        kind: Service
        metadata: { name: web }
        spec:
          selector: { app: web }
          ports: [{ port: 80, targetPort: 8080 }]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: { app: web }
        spec:
          replicas: 3
          selector: { matchLabels: { app: web } }
          template:
            metadata: { labels: { app: web } }
            spec:
              initContainers:
                - name: migrate
                  image: registry.example.com/team/web:1.4.2
                  command: ["./migrate"]
                - name: wait
                  image: busybox:1.36
              containers:
                - name: web
                  image: registry.example.com/team/web:latest
                  ports: [{ containerPort: 8080 }]
                  readinessProbe: { httpGet: { path: /healthz, port: 8080 } }
                  livenessProbe: { httpGet: { path: /livez, port: 8080 } }
                - name: proxy
                  image: docker.io/library/nginx@sha256:\(String(repeating: "1", count: 64))
                  readinessProbe: { tcpSocket: { port: 80 } }
                  livenessProbe: { tcpSocket: { port: 80 } }
        """

    func renderer(namespace: String? = "prod") -> KubernetesRenderer {
        KubernetesRenderer(
            image: "registry.example.com/team/web", digest: Self.digest, namespace: namespace,
            annotations: [("gantry.dev/digest", Self.digest.description), ("gantry.dev/environment", "prod")])
    }

    func render(_ files: [(String, String)], namespace: String? = "prod") throws(DiagnosticsError)
        -> KubernetesRendering
    {
        try renderer(namespace: namespace).render(files.map { KubernetesManifestFiles.Source(label: $0.0, text: $0.1) })
    }

    func problems(_ files: [(String, String)], namespace: String? = "prod") -> [String] {
        do {
            _ = try render(files, namespace: namespace)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func pinsEveryContainerOfTheImageByDigestAndAnnotatesObjects() throws {
        let rendering = try render([("k8s/app.yaml", Self.manifests)])
        #expect(rendering.objects.map(\.description) == ["Service/web", "Deployment/web"])
        #expect(rendering.workloads.map(\.description) == ["Deployment/web"])
        #expect(rendering.pinnedContainers == 2)
        let documents = try BoundedYAML.composeAll(rendering.yaml)
        #expect(documents.count == 2)
        let spec = try #require(documents[1]["spec"]?["template"]?["spec"])
        let pinned = "registry.example.com/team/web@\(Self.digest)"
        #expect(spec["containers"]?[0]?["image"]?.string == pinned)
        #expect(spec["initContainers"]?[0]?["image"]?.string == pinned)
        // Other images are left as they are; the one by tag is worth a warning.
        #expect(spec["initContainers"]?[1]?["image"]?.string == "busybox:1.36")
        #expect(spec["containers"]?[1]?["image"]?.string?.hasPrefix("docker.io/library/nginx@sha256:") == true)
        #expect(rendering.warnings.count == 1)
        #expect(rendering.warnings.first?.hasPrefix("k8s/app.yaml:24:") == true)
        #expect(rendering.warnings.first?.contains("busybox:1.36 by tag") == true)
        // Numbers stay numbers; added values are strings.
        #expect(rendering.yaml.contains("replicas: 3"))
        #expect(rendering.yaml.contains("containerPort: 8080"))
        #expect(documents[1]["metadata"]?["annotations"]?["gantry.dev/digest"]?.string == Self.digest.description)
        #expect(!rendering.yaml.contains(":latest"))
    }

    @Test func aDeploymentWithoutProbesIsRefusedWithItsPosition() {
        let manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web }
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      image: registry.example.com/team/web
                      readinessProbe: { httpGet: { path: /healthz, port: 8080 } }
                    - name: worker
                      image: registry.example.com/team/web
            """
        let found = problems([("deploy.yaml", manifest)])
        #expect(found.count == 2)
        #expect(
            found.first?.hasPrefix("deploy.yaml:8:11: error: Deployment/web container 'web' has no livenessProbe")
                == true)
        #expect(
            found.last?.hasPrefix(
                "deploy.yaml:11:11: error: Deployment/web container 'worker' has no readinessProbe and livenessProbe")
                == true)
        #expect(found.first?.contains("rollout status") == true)
        // A Job runs to completion: no probes needed.
        let job = manifest.replacingOccurrences(of: "Deployment", with: "Job")
            .replacingOccurrences(of: "apps/v1", with: "batch/v1")
        #expect(problems([("job.yaml", job)]).isEmpty)
    }

    @Test func refusesWhatKubectlApplyWouldGetWrong() {
        let wrongNamespace = """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: settings, namespace: staging }
            data: { LEVEL: info }
            """
        #expect(
            problems([("a.yaml", Self.manifests), ("b.yaml", wrongNamespace)]) == [
                "b.yaml:3:40: error: ConfigMap/settings is in namespace 'staging', but this environment deploys to 'prod': remove metadata.namespace or make them agree"
            ])
        // Without a namespace of its own, the environment's applies; a cluster-scoped object has none.
        #expect(problems([("a.yaml", Self.manifests), ("b.yaml", wrongNamespace)], namespace: nil).isEmpty)
        #expect(
            problems([
                ("a.yaml", Self.manifests), ("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n"),
            ])
            .isEmpty)
        #expect(
            problems([("a.yaml", Self.manifests), ("b.yaml", Self.manifests)]).first
                == "b.yaml:1:1: error: Service/web is defined twice")
        #expect(
            problems([("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")])
                .first?.contains("render it first ('kubectl kustomize DIR > rendered.yaml')") == true)
        #expect(
            problems([("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata: { generateName: web- }\n")]).first
                == "a.yaml:3:11: error: Pod: metadata.name is missing: metadata.generateName is not supported by 'kubectl apply'; give the object a name"
        )
        #expect(
            problems([("a.yaml", "- just\n- a list\n")]).first?.hasPrefix(
                "a.yaml:1:1: error: a manifest document must be") == true)
        #expect(
            problems([("a.yaml", "kind: [unclosed\n")]).first?.hasPrefix("a.yaml:2:1: error: YAML syntax error") == true
        )
        // No container runs the image: the digest would not be deployed at all.
        let other = Self.manifests.replacingOccurrences(of: "registry.example.com/team/web", with: "ghcr.io/acme/api")
        #expect(
            problems([("a.yaml", other)]).first?.contains(
                "no container uses image registry.example.com/team/web, so the digest would not be deployed (containers use: busybox, docker.io/library/nginx, ghcr.io/acme/api)"
            ) == true)
    }

    @Test func objectsAreAppliedInDependencyOrder() throws {
        let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: { name: prod }\n"
        let config = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\n"
        let custom = "apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n"
        let rendering = try render([
            ("a.yaml", Self.manifests + "\n---\n" + custom), ("b.yaml", config), ("z.yaml", namespace),
        ])
        #expect(
            rendering.objects.map(\.description) == [
                "Namespace/prod", "ConfigMap/settings", "Service/web", "Deployment/web", "Widget/w",
            ])
        let kinds = try BoundedYAML.composeAll(rendering.yaml).map { $0["kind"]?.string }
        #expect(kinds == ["Namespace", "ConfigMap", "Service", "Deployment", "Widget"])
    }

    @Test func listsAreRenderedItemByItem() throws {
        let list = """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Pod
                metadata: { name: once }
                spec:
                  containers: [{ name: run, image: "registry.example.com/team/web:2" }]
            """
        let rendering = try render([("list.yaml", list), ("empty.yaml", "---\n---\n")])
        #expect(rendering.objects.map(\.description) == ["Pod/once"])
        #expect(rendering.pinnedContainers == 1)
    }

    @Test func aliasBombsAreRefused() {
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<8 {
            bomb +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        #expect(problems([("bomb.yaml", bomb)]).first?.contains("expands to more than") == true)
    }

    @Test func imageReferencesAreComparedAsRegistriesResolveThem() {
        #expect(ContainerImageReference("nginx").canonicalRepository == "docker.io/library/nginx")
        #expect(ContainerImageReference("nginx:1.25").canonicalRepository == "docker.io/library/nginx")
        #expect(ContainerImageReference("acme/web@sha256:00").canonicalRepository == "docker.io/acme/web")
        #expect(ContainerImageReference("localhost:5000/web:1").repository == "localhost:5000/web")
        #expect(ContainerImageReference("localhost:5000/web:1").tag == "1")
        #expect(ContainerImageReference("localhost:5000/web").tag == nil)
        #expect(ContainerImageReference("index.docker.io/acme/web").canonicalRepository == "docker.io/acme/web")
    }

    /// The rendering is what the Kubernetes API accepts: checked with the published schemas
    /// (kubernetes-validate, installed by scripts/python-tools), strictly (no unknown fields).
    @Test func renderedManifestsValidateAgainstTheKubernetesSchemas() throws {
        let validator = GantryBinary.packageRoot.appendingPathComponent(".build/python-tools/bin/kubernetes-validate")
        try #require(
            FileManager.default.isExecutableFile(atPath: validator.path),
            "run ./scripts/python-tools (scripts/test does) to install kubernetes-validate")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let rendering = try render([("app.yaml", Self.manifests)])
        try directory.write("rendered.yaml", rendering.yaml)
        let printed = try runChecked(
            validator.path, ["--strict", directory.url.appendingPathComponent("rendered.yaml").path])
        #expect(printed.contains("INFO"))
        // The validator does fail on a broken object: the check above can fail.
        try directory.write(
            "broken.yaml", rendering.yaml.replacingOccurrences(of: "replicas: 3", with: "replicas: three"))
        #expect(throws: (any Error).self) {
            try runChecked(validator.path, ["--strict", directory.url.appendingPathComponent("broken.yaml").path])
        }
    }
}
