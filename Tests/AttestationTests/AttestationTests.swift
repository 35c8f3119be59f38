import Artifacts
import Foundation
import GantryCore
import GantryTestSupport
import Testing

@testable import Attestation

@Suite struct DSSETests {
    @Test func paeMatchesTheSpecificationVector() {
        let pae = DSSEEnvelope.pae(type: "http://example.com/HelloWorld", body: Data("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func signAndVerifyWithBothBase64Alphabets() throws {
        let key = SigningKey()
        let body = Data((0..<300).map { UInt8($0 % 256) })
        var envelope = try DSSEEnvelope.sign(body, type: DSSEEnvelope.inTotoPayloadType, with: key)
        #expect(try envelope.verifiedPayload(keys: [key.publicKey]) == body)
        envelope.payload = envelope.payload.replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
        #expect(try envelope.verifiedPayload(keys: [key.publicKey]) == body)
    }

    @Test func wrongKeyTamperedPayloadAndTypeAreRejected() throws {
        let key = SigningKey()
        let envelope = try DSSEEnvelope.sign(Data("{\"a\":1}".utf8), type: DSSEEnvelope.inTotoPayloadType, with: key)
        #expect(throws: AttestationError.self) { try envelope.verifiedPayload(keys: [SigningKey().publicKey]) }
        var tampered = envelope
        tampered.payload = Data("{\"a\":2}".utf8).base64EncodedString()
        #expect(throws: AttestationError.self) { try tampered.verifiedPayload(keys: [key.publicKey]) }
        var retyped = envelope
        retyped.payloadType = "text/plain"
        #expect(throws: AttestationError.self) { try retyped.verifiedPayload(keys: [key.publicKey]) }
        var unsigned = envelope
        unsigned.signatures = []
        #expect(throws: AttestationError.self) { try unsigned.verifiedPayload(keys: [key.publicKey]) }
    }

    @Test func keysRoundTripThroughPEMAndRefuseOverwrite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("signing.key").path
        let key = SigningKey()
        try key.write(to: path)
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(throws: AttestationError.self) { try SigningKey().write(to: path) }
        let loaded = try SigningKey.load(from: path)
        #expect(loaded.publicKey == key.publicKey)
        let publicPath = try directory.write("signing.pub", key.publicKey.pem).path
        #expect(try VerificationKey.load(from: publicPath) == key.publicKey)
        try directory.write("bad.pem", "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n")
        #expect(throws: AttestationError.self) {
            try VerificationKey.load(from: directory.url.appendingPathComponent("bad.pem").path)
        }
        #expect(throws: AttestationError.self) { try SigningKey.load(from: publicPath) }
    }
}

@Suite struct SBOMTests {
    @Test func lockfilesBecomeComponentsWithPurls() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "requirements.txt",
            "Requests==2.31.0\nflask>=2  # unpinned: skipped\nurllib3==1.26.5 ; python_version<'3.12'\n")
        try directory.write(
            "web/package-lock.json",
            #"{"lockfileVersion":3,"packages":{"":{"name":"web"},"node_modules/lodash":{"version":"4.17.20"},"node_modules/@babel/core":{"version":"7.22.0"},"node_modules/a/node_modules/b":{"version":"1.0.0"}}}"#
        )
        try directory.write("Cargo.lock", "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.188\"\n")
        try directory.write("go.sum", "golang.org/x/text v0.3.7 h1:abc=\ngolang.org/x/text v0.3.7/go.mod h1:def=\n")
        try directory.write(
            "Package.resolved",
            #"{"pins":[{"identity":"yams","kind":"remoteSourceControl","location":"https://github.com/jpsim/Yams.git","state":{"revision":"x","version":"6.2.2"}}],"version":2}"#
        )
        try directory.write(
            "Gemfile.lock",
            "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.0.8)\n      nothing (>= 0)\n\nPLATFORMS\n  ruby\n"
        )
        try directory.write("poetry.lock", "[[package]]\nname = \"Jinja2\"\nversion = \"3.1.2\"\n")
        try directory.write(
            "node_modules/ignored/package-lock.json", #"{"packages":{"node_modules/x":{"version":"1"}}}"#)
        let purls = try SBOMGenerator(appName: "demo", timestamp: 0).components(under: directory.url).map(\.purl)
        #expect(
            Set(purls) == [
                "pkg:pypi/requests@2.31.0", "pkg:pypi/urllib3@1.26.5", "pkg:npm/lodash@4.17.20",
                "pkg:npm/%40babel/core@7.22.0",
                "pkg:npm/b@1.0.0", "pkg:cargo/serde@1.0.188", "pkg:golang/golang.org/x/text@v0.3.7",
                "pkg:swift/github.com/jpsim/Yams@6.2.2", "pkg:gem/rack@3.0.8", "pkg:pypi/jinja2@3.1.2",
            ])
    }

    @Test func bomIsDeterministic() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("requirements.txt", "six==1.16.0\n")
        let first = try SBOMGenerator(appName: "demo", timestamp: 5).bom(for: directory.url)
        let second = try SBOMGenerator(appName: "demo", timestamp: 5).bom(for: directory.url)
        #expect(try first.canonicalData() == second.canonicalData())
        #expect(first.serialNumber.hasPrefix("urn:uuid:"))
        let other = try SBOMGenerator(appName: "demo", timestamp: 6).bom(for: directory.url)
        #expect(try other.digest() != first.digest())
    }
}

@Suite struct VerifierTests {
    struct Fixture {
        let directory: TemporaryDirectory
        let store: ArtifactStore
        let key: SigningKey
        let artifact: StoredArtifact
    }

    func packAndAttest() throws -> Fixture {
        let directory = try TemporaryDirectory()
        try directory.write("app/requirements.txt", "requests==2.31.0\n")
        try directory.write("app/main.py", "print('hi')\n")
        try directory.write("app/Dockerfile", "FROM python@sha256:\(String(repeating: "a", count: 64))\nCOPY . /app\n")
        let store = try ArtifactStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let packed = try store.pack(directory.url.appendingPathComponent("app"), app: "api", tag: "v1")
        let key = SigningKey()
        var context = BuildContext(app: "api", tag: "v1", invocationID: "corr-1", startedOn: Date(), finishedOn: Date())
        context.commit = String(repeating: "c", count: 40)
        _ = try Attestor(store: store, key: key).attest(
            packed, directory: directory.url.appendingPathComponent("app"), context: context, timestamp: 0)
        return Fixture(
            directory: directory, store: store, key: key,
            artifact: try store.resolve(.digest(app: "api", packed.digest)))
    }

    @Test func everyCheckPassesForAnUntouchedArtifact() throws {
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        let checks = Verifier(store: fixture.store, keys: [fixture.key.publicKey]).verify(fixture.artifact)
        #expect(checks.map(\.name) == ["provenance signature", "sbom signature", "sbom seal", "sbom matches content"])
        #expect(checks.allSatisfy { $0.passed }, "\(checks)")
        // Attached documents are referrers, not artifacts of their own.
        #expect(try fixture.store.artifacts().count == 1)
        #expect(try fixture.store.referrers(of: fixture.artifact.digest).count == 2)
    }

    @Test func wrongKeyFailsTheFirstCheck() throws {
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        let checks = Verifier(store: fixture.store, keys: [SigningKey().publicKey]).verify(fixture.artifact)
        #expect(checks.count == 1)
        #expect(checks[0].passed == false)
        #expect(checks[0].detail.contains("no signature verifies"))
    }

    @Test func aReplacedSBOMBreaksTheSeal() throws {
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        // An attacker with the signing key attaches a different (signed) SBOM: the seal catches it.
        var bom = try SBOMGenerator(appName: "api", timestamp: 0).bom(
            for: fixture.directory.url.appendingPathComponent("app"))
        bom.components.removeAll()
        let statement = Statement(
            subject: [.init(name: "api", digest: ["sha256": fixture.artifact.digest.hex])],
            predicateType: CycloneDXBOM.predicateType,
            predicate: bom)
        let envelope = try DSSEEnvelope.sign(
            try statement.canonicalData(), type: DSSEEnvelope.inTotoPayloadType, with: fixture.key)
        try fixture.store.attach(
            try JSONEncoder().encode(envelope), mediaType: DSSEEnvelope.mediaType, artifactType: Attestor.sbomType,
            to: fixture.artifact)
        let checks = Verifier(store: fixture.store, keys: [fixture.key.publicKey]).verify(fixture.artifact)
        #expect(checks.last?.name == "sbom seal")
        #expect(checks.last?.passed == false)
    }

    @Test func theSealCoversTheSignedBytesNotTheDecodedModel() throws {
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        // The same SBOM with a member the model does not know: decoding drops it, so a seal computed
        // from the model would still match. The seal covers the bytes as signed, so it does not.
        let bom = try SBOMGenerator(appName: "api", timestamp: 0).bom(
            for: fixture.directory.url.appendingPathComponent("app"))
        let statement = Statement(
            subject: [.init(name: "api", digest: ["sha256": fixture.artifact.digest.hex])],
            predicateType: CycloneDXBOM.predicateType, predicate: bom)
        guard case .object(var members) = try JSONValue.parse(try statement.canonicalData()),
            let index = members.firstIndex(where: { $0.0 == "predicate" }),
            case .object(var predicate) = members[index].1
        else {
            Issue.record("the statement is not an object with a predicate object")
            return
        }
        predicate.append(("x-hidden", .string("not in the model")))
        members[index].1 = .object(predicate)
        let envelope = try DSSEEnvelope.sign(
            try CanonicalJSON.write(.object(members)), type: DSSEEnvelope.inTotoPayloadType, with: fixture.key)
        try fixture.store.attach(
            try CanonicalJSON.encode(envelope), mediaType: DSSEEnvelope.mediaType, artifactType: Attestor.sbomType,
            to: fixture.artifact)
        let checks = Verifier(store: fixture.store, keys: [fixture.key.publicKey]).verify(fixture.artifact)
        #expect(checks.map(\.name) == ["provenance signature", "sbom signature", "sbom seal"])
        #expect(checks.last?.passed == false)
    }

    @Test func aTamperedEnvelopeOnDiskIsCaught() throws {
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        let referrer = try #require(
            try fixture.store.referrers(of: fixture.artifact.digest, artifactType: Attestor.provenanceType).first)
        let blob = fixture.store.layout.blobURL(try #require(referrer.manifest.layers.first).digest)
        var text = try String(contentsOf: blob, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"payload\":\"", with: "\"payload\":\"e30")
        try text.write(to: blob, atomically: true, encoding: .utf8)
        let checks = Verifier(store: fixture.store, keys: [fixture.key.publicKey]).verify(fixture.artifact)
        #expect(checks.first?.passed == false)
        #expect(checks.first?.detail.contains("corrupt") == true)
    }

    @Test func provenanceRecordsCommitLockfilesAndBaseImages() throws {
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        let referrer = try #require(
            try fixture.store.referrers(of: fixture.artifact.digest, artifactType: Attestor.provenanceType).first)
        let envelope = try JSONDecoder().decode(DSSEEnvelope.self, from: try fixture.store.content(of: referrer))
        let statement = try JSONDecoder().decode(
            Statement<SLSAProvenance>.self, from: try envelope.verifiedPayload(keys: [fixture.key.publicKey]))
        let dependencies = statement.predicate.buildDefinition.resolvedDependencies
        #expect(dependencies.contains { $0.digest?["gitCommit"] == String(repeating: "c", count: 40) })
        #expect(dependencies.contains { $0.name == "requirements.txt" && $0.digest?["sha256"] != nil })
        #expect(
            dependencies.contains {
                $0.uri == "docker://python" && $0.digest?["sha256"] == String(repeating: "a", count: 64)
            })
        #expect(statement.predicate.runDetails.metadata.invocationId == "corr-1")
        #expect(statement.predicate.sealedSBOMDigest?.count == 64)
    }

    @Test func interopWithSecuresystemslibAndCycloneDXSchema() throws {
        let python = GantryBinary.packageRoot.appendingPathComponent(".build/python-tools/bin/python").path
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "run ./scripts/python-tools (scripts/test does) to install the Python interop tools")
        let fixture = try packAndAttest()
        defer { fixture.directory.remove() }
        var arguments = [
            GantryBinary.packageRoot.appendingPathComponent("Tests/AttestationTests/Fixtures/interop.py").path,
            try fixture.directory.write("signing.pub", fixture.key.publicKey.pem).path,
        ]
        var bomPath = ""
        for (index, referrer) in try fixture.store.referrers(of: fixture.artifact.digest).enumerated() {
            let content = try fixture.store.content(of: referrer)
            arguments.append(
                try fixture.directory.write("envelope\(index).json", String(decoding: content, as: UTF8.self)).path)
            if referrer.artifactType == Attestor.sbomType {
                let envelope = try JSONDecoder().decode(DSSEEnvelope.self, from: content)
                let statement = try JSONDecoder().decode(
                    Statement<CycloneDXBOM>.self, from: try envelope.verifiedPayload(keys: [fixture.key.publicKey]))
                bomPath = try fixture.directory.write(
                    "bom.json", String(decoding: try statement.predicate.canonicalData(), as: UTF8.self)
                ).path
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments + ["--bom", bomPath]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.hasSuffix("OK\n"), "\(output)")
    }
}
