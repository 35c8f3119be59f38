import Foundation
import GantryCore

/// What a statement is about: a name and its digests (`{"sha256": "<hex>"}`).
public struct StatementSubject: Codable, Sendable, Hashable {
    public var name: String
    public var digest: [String: String]

    public init(name: String, digest: [String: String]) {
        self.name = name
        self.digest = digest
    }
}

/// An in-toto Statement v1 whose predicate is `P`.
public struct Statement<P: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public typealias Subject = StatementSubject

    public static var type: String { "https://in-toto.io/Statement/v1" }

    public var type: String = Statement.type
    public var subject: [Subject]
    public var predicateType: String
    public var predicate: P

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType, predicate
    }

    public init(subject: [Subject], predicateType: String, predicate: P) {
        self.subject = subject
        self.predicateType = predicateType
        self.predicate = predicate
    }

    /// Canonical JSON bytes: the DSSE payload.
    func canonicalData() throws -> Data { try CanonicalJSON.encode(self) }
}

/// An in-toto ResourceDescriptor.
public struct ResourceDescriptor: Codable, Sendable, Hashable {
    public var name: String?
    public var uri: String?
    public var digest: [String: String]?
    public var mediaType: String?

    public init(name: String? = nil, uri: String? = nil, digest: [String: String]? = nil, mediaType: String? = nil) {
        self.name = name
        self.uri = uri
        self.digest = digest
        self.mediaType = mediaType
    }
}
