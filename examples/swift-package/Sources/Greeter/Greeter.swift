/// Greets people.
public struct Greeter {
    public let name: String

    public init(name: String) { self.name = name }

    /// "Hello, <name>!"
    public func greeting() -> String { "Hello, \(name)!" }
}
