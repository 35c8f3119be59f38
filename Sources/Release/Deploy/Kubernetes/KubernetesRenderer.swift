import GantryCore
import Yams

/// Renders Kubernetes manifests for one digest: every container whose image is the deployed
/// repository is pinned to `repository@digest` (never a tag), objects are annotated with the app,
/// environment and digest, and manifests a rollout could lie about are refused.
///
/// Refused, each with `file:line:col`: documents that are not objects (`apiVersion`, `kind`,
/// `metadata.name`), duplicate objects, objects in another namespace than the environment's,
/// kustomize directories, and long-running workloads (Deployment, StatefulSet, DaemonSet, Argo
/// `Rollout`) whose containers lack a `readinessProbe` or a `livenessProbe`: without them
/// `kubectl rollout status` reports success while pods never became ready, and a rollback would lie too.
struct KubernetesRenderer {
    var image: String
    var digest: Digest
    var namespace: String?
    /// Added to every object's `metadata.annotations`.
    var annotations: [(String, String)]

    /// Kinds whose pods run until replaced: they must say when they are ready and alive.
    static let longRunningKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "Rollout"]
    /// Kinds `kubectl rollout status` can wait for.
    static let waitableKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet"]
    /// Where each kind keeps its pod spec.
    static let podSpecPaths: [String: [String]] = [
        "Pod": ["spec"],
        "Deployment": ["spec", "template", "spec"], "StatefulSet": ["spec", "template", "spec"],
        "DaemonSet": ["spec", "template", "spec"], "ReplicaSet": ["spec", "template", "spec"],
        "ReplicationController": ["spec", "template", "spec"], "Job": ["spec", "template", "spec"],
        "Rollout": ["spec", "template", "spec"],
        "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    ]
    /// The order objects are applied in (Helm's install order): what others depend on first, so one
    /// `kubectl apply` of a directory works whatever its file names. Other kinds follow, in file order.
    static let applyOrder: [String] = [
        "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
        "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
        "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
        "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
        "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job",
        "CronJob", "IngressClass", "Ingress", "APIService",
    ]

    /// Cluster-scoped kinds: a namespace does not apply to them.
    static let clusterScopedKinds: Set<String> = [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "APIService", "CertificateSigningRequest", "FlowSchema",
        "PriorityLevelConfiguration", "ClusterIssuer",
    ]

    /// Renders `sources` in order. Throws every problem found, each with its position.
    func render(_ sources: [KubernetesManifestFiles.Source]) throws(DiagnosticsError) -> KubernetesRendering {
        var state = State()
        for source in sources {
            let roots: [Node]
            do {
                roots = try BoundedYAML.composeAll(source.text)
            } catch let error as BoundedYAML.TooLarge {
                state.error(SourceLocation(file: source.label, line: error.line, column: error.column), error.message)
                continue
            } catch let error as YamlError {
                state.diagnostics.append(Diagnostic.yaml(error, file: source.label))
                continue
            } catch {
                state.error(SourceLocation(file: source.label, line: 1, column: 1), "cannot read YAML: \(error)")
                continue
            }
            for root in roots where !root.isNullDocument {
                render(object: root, file: source.label, state: &state)
            }
        }
        if state.objects.isEmpty && !state.hasErrors {
            state.diagnostics.append(
                Diagnostic(
                    SourceLocation(file: sources.first?.label ?? "manifests", line: 1, column: 1), .error,
                    "the manifests hold no Kubernetes object"))
        }
        if state.pinned == 0 && !state.hasErrors {
            let seen = state.imagesSeen.isEmpty ? "none" : state.imagesSeen.sorted().joined(separator: ", ")
            state.diagnostics.append(
                Diagnostic(
                    SourceLocation(file: sources.first?.label ?? "manifests", line: 1, column: 1), .error,
                    "no container uses image \(image), so the digest would not be deployed (containers use: \(seen)); set deploy.kubernetes.image to the repository your workload runs"
                ))
        }
        let errors = state.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw DiagnosticsError(errors) }
        let rank = Dictionary(uniqueKeysWithValues: Self.applyOrder.enumerated().map { ($1, $0) })
        let order = state.objects.indices.sorted {
            (rank[state.objects[$0].kind] ?? rank.count, $0) < (rank[state.objects[$1].kind] ?? rank.count, $1)
        }
        state.objects = order.map { state.objects[$0] }
        state.rendered = order.map { state.rendered[$0] }
        let yaml: String
        do {
            yaml = try Yams.serialize(nodes: state.rendered.map(Self.withoutAnchors), explicitStart: true)
        } catch {
            throw DiagnosticsError([
                Diagnostic(
                    SourceLocation(file: sources.first?.label ?? "manifests", line: 1, column: 1), .error,
                    "cannot write the rendered manifests: \(error)")
            ])
        }
        return KubernetesRendering(
            yaml: yaml, objects: state.objects,
            workloads: state.objects.filter { Self.waitableKinds.contains($0.kind) }, pinnedContainers: state.pinned,
            warnings: state.diagnostics.filter { $0.severity == .warning }.map(\.description))
    }

    /// What rendering has found so far.
    private struct State {
        var diagnostics: [Diagnostic] = []
        var rendered: [Node] = []
        var objects: [KubernetesObjectReference] = []
        var pinned = 0
        var imagesSeen: Set<String> = []
        var depth = 0

        var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

        mutating func error(_ location: SourceLocation, _ message: String) {
            diagnostics.append(Diagnostic(location, .error, message))
        }
    }

    private func location(_ node: Node?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1)
    }

    private func render(object node: Node, file: String, state: inout State) {
        guard var object = node.mapping else {
            state.error(
                location(node, file),
                "a manifest document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)")
            return
        }
        guard let kind = object["kind"]?.scalar?.string, !kind.isEmpty else {
            state.error(location(node, file), "this object has no 'kind'")
            return
        }
        guard object["apiVersion"]?.scalar.map({ !$0.string.isEmpty }) == true else {
            state.error(location(node, file), "\(kind): this object has no 'apiVersion'")
            return
        }
        if kind == "Kustomization" {
            state.error(
                location(node, file),
                "this is a kustomize directory: render it first ('kubectl kustomize DIR > rendered.yaml') and point deploy.kubernetes.manifests at the result"
            )
            return
        }
        if kind.hasSuffix("List"), let items = object["items"] {
            guard case .sequence(let list) = items, state.depth < 4 else {
                state.error(location(items, file), "\(kind).items must be a list of objects")
                return
            }
            state.depth += 1
            for item in list { render(object: item, file: file, state: &state) }
            state.depth -= 1
            return
        }
        guard var metadata = object["metadata"]?.mapping else {
            state.error(location(node, file), "\(kind): this object has no 'metadata'")
            return
        }
        guard let name = metadata["name"]?.scalar?.string, !name.isEmpty else {
            let hint =
                metadata["generateName"] != nil
                ? ": metadata.generateName is not supported by 'kubectl apply'; give the object a name" : ""
            state.error(location(object["metadata"], file), "\(kind): metadata.name is missing\(hint)")
            return
        }
        var objectNamespace = metadata["namespace"]?.scalar?.string
        if objectNamespace?.isEmpty == true { objectNamespace = nil }
        if let namespace, let objectNamespace, objectNamespace != namespace,
            !Self.clusterScopedKinds.contains(kind)
        {
            state.error(
                location(metadata["namespace"], file),
                "\(kind)/\(name) is in namespace '\(objectNamespace)', but this environment deploys to '\(namespace)': remove metadata.namespace or make them agree"
            )
        }
        let reference = KubernetesObjectReference(
            kind: kind, name: name, namespace: Self.clusterScopedKinds.contains(kind) ? nil : objectNamespace)
        if state.objects.contains(where: {
            $0.kind == kind && $0.name == name && ($0.namespace ?? namespace) == (reference.namespace ?? namespace)
        }) {
            state.error(location(node, file), "\(kind)/\(name) is defined twice")
            return
        }
        var annotationNode = metadata["annotations"] ?? Node([(Node, Node)]())
        guard var annotationMap = annotationNode.mapping else {
            state.error(
                location(metadata["annotations"], file), "\(kind)/\(name): metadata.annotations must be a mapping")
            return
        }
        for (key, value) in annotations { annotationMap[key] = Self.quoted(value) }
        annotationNode = .mapping(annotationMap)
        metadata["annotations"] = annotationNode
        object["metadata"] = .mapping(metadata)
        var rendered = Node.mapping(object)
        if let path = Self.podSpecPaths[kind] {
            let label = "\(kind)/\(name)"
            let found = Self.update(&rendered, path: path) { podSpec in
                renderPodSpec(&podSpec, label: label, kind: kind, file: file, state: &state)
            }
            if !found && kind != "Rollout" {
                state.error(location(node, file), "\(label) has no \(path.joined(separator: ".")) (its pod template)")
            }
        }
        state.objects.append(reference)
        state.rendered.append(rendered)
    }

    /// Pins the deployed image in `podSpec`'s containers and init containers, and checks probes.
    private func renderPodSpec(_ podSpec: inout Node, label: String, kind: String, file: String, state: inout State) {
        let wanted = ContainerImageReference.canonical(image)
        for field in ["initContainers", "containers"] {
            _ = Self.update(&podSpec, path: [field]) { list in
                guard case .sequence(var containers) = list else {
                    state.error(location(list, file), "\(label): \(field) must be a list of containers")
                    return
                }
                for index in containers.indices {
                    guard var container = containers[index].mapping else {
                        state.error(location(containers[index], file), "\(label): a container must be a mapping")
                        continue
                    }
                    let containerName = container["name"]?.scalar?.string ?? "#\(index + 1)"
                    if let imageNode = container["image"], let text = imageNode.scalar?.string {
                        let reference = ContainerImageReference(text)
                        state.imagesSeen.insert(reference.repository)
                        if reference.canonicalRepository == wanted {
                            container["image"] = Self.quoted("\(image)@\(digest)")
                            state.pinned += 1
                        } else if reference.digest == nil {
                            state.diagnostics.append(
                                Diagnostic(
                                    location(imageNode, file), .warning,
                                    "\(label) container '\(containerName)' runs \(text) by tag, which can move: pin it by digest (image@sha256:…)"
                                ))
                        }
                    } else {
                        state.error(
                            location(containers[index], file), "\(label) container '\(containerName)' has no image")
                    }
                    if field == "containers" && Self.longRunningKinds.contains(kind) {
                        let missing = ["readinessProbe", "livenessProbe"].filter { container[$0] == nil }
                        if !missing.isEmpty {
                            state.error(
                                location(containers[index], file),
                                "\(label) container '\(containerName)' has no \(missing.joined(separator: " and ")): without probes 'kubectl rollout status' reports success while pods never became ready (and a rollback would report success too); add readinessProbe and livenessProbe"
                            )
                        }
                    }
                    containers[index] = .mapping(container)
                }
                list = .sequence(containers)
            }
        }
    }

    /// Calls `body` with the node at `path` under `node` and stores what it leaves; false when a
    /// step of the path is missing or not a mapping.
    private static func update(_ node: inout Node, path: [String], _ body: (inout Node) -> Void) -> Bool {
        guard let key = path.first else {
            body(&node)
            return true
        }
        guard var mapping = node.mapping, var child = mapping[key] else { return false }
        let found = update(&child, path: Array(path.dropFirst()), body)
        mapping[key] = child
        node = .mapping(mapping)
        return found
    }

    /// A double-quoted string: a value such as `123` or `true` stays a string for every YAML reader.
    private static func quoted(_ text: String) -> Node {
        Node(text, Tag(.str), .doubleQuoted)
    }

    /// A copy of `node` without anchors (an aliased node is written out where each alias was).
    private static func withoutAnchors(_ node: Node) -> Node {
        switch node {
        case .scalar(let scalar): return Node(scalar.string, scalar.tag, scalar.style)
        case .mapping(let mapping):
            return Node(mapping.map { (withoutAnchors($0.key), withoutAnchors($0.value)) }, mapping.tag, mapping.style)
        case .sequence(let sequence): return Node(sequence.map(withoutAnchors), sequence.tag, sequence.style)
        case .alias: return Node("", Tag(.null), .plain)
        }
    }
}

extension Node {
    /// An empty document between `---` separators, or one holding only `null`.
    fileprivate var isNullDocument: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
