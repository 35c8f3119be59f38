public import Foundation

/// One OSV record ready to store: its id, ecosystem, `modified` time, JSON, and the (ecosystem,
/// normalised name) pairs it affects.
public struct StoredOSVRecord: Sendable {
    public var id: String
    public var ecosystem: String
    public var modified: String
    public var json: Data
    public var packages: [(ecosystem: String, name: String)]

    public init(id: String, ecosystem: String, modified: String, json: Data, packages: [(String, String)]) {
        self.id = id
        self.ecosystem = ecosystem
        self.modified = modified
        self.json = json
        self.packages = packages.map { (ecosystem: $0.0, name: $0.1) }
    }
}
