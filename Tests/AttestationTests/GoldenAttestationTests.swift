import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Attestation

/// Pinned bytes: a fixed SBOM and a fixed provenance statement canonicalize to fixed bytes.
@Suite struct GoldenAttestationTests {
    @Test func aFixedSBOMHasFixedBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("requirements.txt", "requests==2.31.0\nflask==3.0.0  # web\n")
        try directory.write(
            "web/package-lock.json",
            #"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/@scope/pkg": {"version": "1.2.3"}}}"#)
        let bom = try SBOMGenerator(appName: "web", timestamp: 1_700_000_000).bom(for: directory.url)
        let bytes = try bom.canonicalData()
        #expect(
            Digest.sha256(bytes).description
                == "sha256:db1bdfcc4952231e9fd356ab7f9fc69084ea6cabc4cf53c954cf0b5ba1e1db6b")
        #expect(
            String(decoding: bytes.prefix(60), as: UTF8.self)
                == #"{"bomFormat":"CycloneDX","components":[{"bom-ref":"pkg:npm/%"#)
    }

    @Test func aFixedProvenanceStatementHasFixedBytes() throws {
        let provenance = SLSAProvenance(
            buildDefinition: .init(
                buildType: SLSAProvenance.buildType,
                externalParameters: ["pipeline": "gantry.yml", "job": "release"],
                internalParameters: ["treeState": "clean"],
                resolvedDependencies: [
                    ResourceDescriptor(
                        uri: "git+file:///src/web@refs/heads/main",
                        digest: ["gitCommit": String(repeating: "c", count: 40)])
                ]),
            runDetails: .init(
                builder: .init(id: "https://gantry.dev/builder/local", version: ["gantry": "1.0.0"]),
                metadata: .init(
                    invocationId: "corr-1", startedOn: "2023-11-14T22:13:20Z", finishedOn: "2023-11-14T22:14:20Z"),
                byproducts: [
                    ResourceDescriptor(
                        name: "sbom.cdx.json", digest: ["sha256": String(repeating: "d", count: 64)],
                        mediaType: CycloneDXBOM.mediaType)
                ]))
        let statement = Statement(
            subject: [StatementSubject(name: "web", digest: ["sha256": String(repeating: "e", count: 64)])],
            predicateType: SLSAProvenance.predicateType, predicate: provenance)
        let bytes = try statement.canonicalData()
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"_type":"https://in-toto.io/Statement/v1","predicate":{"buildDefinition":{"buildType":"https://gantry.dev/build/pack/v1","externalParameters":{"job":"release","pipeline":"gantry.yml"},"internalParameters":{"treeState":"clean"},"resolvedDependencies":[{"digest":{"gitCommit":"cccccccccccccccccccccccccccccccccccccccc"},"uri":"git+file:///src/web@refs/heads/main"}]},"runDetails":{"builder":{"id":"https://gantry.dev/builder/local","version":{"gantry":"1.0.0"}},"byproducts":[{"digest":{"sha256":"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"},"mediaType":"application/vnd.cyclonedx+json","name":"sbom.cdx.json"}],"metadata":{"finishedOn":"2023-11-14T22:14:20Z","invocationId":"corr-1","startedOn":"2023-11-14T22:13:20Z"}}},"predicateType":"https://slsa.dev/provenance/v1","subject":[{"digest":{"sha256":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},"name":"web"}]}"#
        )
    }
}
