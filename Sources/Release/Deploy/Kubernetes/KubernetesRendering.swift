/// An object of a rendered manifest, as `kubectl` names it (`Deployment/web`).
public struct KubernetesObjectReference: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var name: String
    /// The namespace the manifest gives it, if any (otherwise `kubectl --namespace` decides).
    public var namespace: String?

    public var description: String { "\(kind)/\(name)" }
}

/// Manifests rendered for one digest: what `kubectl apply` receives and what the deploy waits for.
public struct KubernetesRendering: Sendable {
    /// The rendered objects as one multi-document YAML stream.
    public var yaml: String
    public var objects: [KubernetesObjectReference]
    /// The objects `kubectl rollout status` waits for (Deployments, StatefulSets, DaemonSets).
    public var workloads: [KubernetesObjectReference]
    /// Containers whose image was pinned to the digest.
    public var pinnedContainers: Int
    /// Things worth saying that do not stop the deploy (`file:line:col: warning: …`).
    public var warnings: [String]
}
