import Foundation
import GantryTestSupport
import Testing

@testable import Policy

@Suite struct DockerfileScannerTests {
    func scan(_ text: String) throws -> ScanReport {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("Dockerfile", text)
        var report = try DockerfileScanner().scan(files: [file.path])
        report.findings = report.findings.map {
            var finding = $0
            finding.file = "Dockerfile"
            return finding
        }
        return report
    }

    @Test func pinnedMultiStageBuildIsClean() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let report = try scan(
            """
            # syntax=docker/dockerfile:1
            ARG GO_IMAGE=golang:1.22@\(digest)
            FROM ${GO_IMAGE} AS build
            WORKDIR /src
            COPY . .
            RUN go build -o /out/app \\
                ./cmd/app
            FROM gcr.io/distroless/static@\(digest)
            COPY --from=build /out/app /app
            USER 65532:65532
            ENTRYPOINT ["/app"]
            """)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
        #expect(report.exitStatus == .success)
    }

    @Test func everyRuleFiresWithItsLine() throws {
        let apiToken = "tok_" + "9f8e7d6c5b"
        let report = try scan(
            """
            ARG BASE
            FROM python:3.12 AS deps
            ENV DB_PASSWORD=s3cr3t-Passw0rd
            ARG API_TOKEN="\(apiToken)"
            FROM deps
            ADD https://example.com/tool.tar.gz /opt/
            ADD --checksum=sha256:\(String(repeating: "0", count: 64)) https://example.com/ok.tar.gz /opt/
            FROM ubuntu
            FROM ${BASE}
            USER root
            """)
        let seen = report.findings.map { "\($0.line ?? 0) \($0.ruleID)" }
        #expect(
            seen == [
                "2 dockerfile-unpinned-base", "3 dockerfile-secret-env", "4 dockerfile-secret-env",
                "6 dockerfile-add-url", "8 dockerfile-unpinned-base", "8 dockerfile-latest-tag",
                "9 dockerfile-unresolved-base", "10 dockerfile-root-user",
            ], "\(seen)")
        #expect(report.exitStatus == .failure)
        // A missing USER is a warning only: it does not fail the scan by itself.
        let digest = "sha256:" + String(repeating: "cd", count: 32)
        let warning = try scan("FROM alpine@\(digest)\nRUN true\n")
        #expect(warning.findings.map(\.ruleID) == ["dockerfile-root-user"])
        #expect(warning.exitStatus == .success)
    }

    @Test func syntaxErrorsNameTheLine() {
        for (text, expected) in [
            ("FROM alpine\nRUNN echo\n", "Dockerfile:2:1: syntax error: unknown instruction 'RUNN'"),
            (
                "RUN echo\nFROM alpine\n",
                "Dockerfile:1:1: syntax error: RUN before the first FROM (only ARG may come first)"
            ),
            ("# only a comment\n", "Dockerfile:2:1: syntax error: no FROM instruction"),
            ("FROM\n", "Dockerfile:1:1: syntax error: FROM needs arguments"),
            (
                "FROM alpine\nRUN <<EOF\necho hi\n",
                "Dockerfile:2:1: syntax error: the heredoc <<EOF is never closed by a line 'EOF'"
            ),
        ] {
            do {
                _ = try scan(text)
                Issue.record("expected a syntax error for \(text)")
            } catch {
                #expect("\(error)".hasSuffix(expected), "\(error)")
            }
        }
    }

    /// Before: `RUN <<EOF` (BuildKit heredocs) was a syntax error ("unknown instruction").
    @Test func heredocsAreParsedAndTheirBodiesScanned() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let token = "np" + "m_" + "q7Hk2LmZ9xWc4RtB8vNp3JdS6fGa1YeUo5Ti"
        let text = """
            # syntax=docker/dockerfile:1
            FROM alpine@\(digest)
            RUN <<EOF
            set -e
            apk add --no-cache curl
            EOF
            COPY <<-"CONFIG" /root/.npmrc
            \t//registry.npmjs.org/:_authToken=\(token)
            \tCONFIG
            RUN <<ONE <<TWO
            echo one
            ONE
            echo two
            TWO
            USER app
            """
        let report = try scan(text)
        #expect(report.findings.map(\.ruleID) == ["dockerfile-secret-heredoc"])
        #expect(report.findings.first?.line == 8)
        #expect(report.findings.first?.message.contains("COPY <<CONFIG holds a secret") == true)
        let instructions = try DockerfileParser.parse(text)
        #expect(instructions.map(\.keyword) == ["FROM", "RUN", "COPY", "RUN", "USER"])
        #expect(instructions[1].heredocs.first?.lines.map(\.text) == ["set -e", "apk add --no-cache curl"])
        #expect(instructions[3].heredocs.map(\.delimiter) == ["ONE", "TWO"])
        #expect(DockerfileParser.heredocMarkers(in: "cat <<<word").isEmpty)
    }
}
