/// The rule container tools use to tell a registry host from the first path component of an image
/// name: it has a `.` or a `:` (a port), or is `localhost` (`registry.example.com/team/web`,
/// `localhost:5000/web`); otherwise the name is on Docker Hub (`team/web`, `nginx`).
public enum ImageName {
    public static func isRegistryHost(_ component: some StringProtocol) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost"
    }
}
