import Foundation
import GantryCore
import GantryTestSupport
import Server
import Testing

@Suite struct ServerConfigurationTests {
    @Test func aConfigurationListsProjectsWithSecretsFromTheEnvironmentOrAFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secretFile = try directory.write("api.secret", "from-file\n")
        let path = try directory.write(
            "server.yml",
            """
            workers: 2
            shutdown_grace: 1m
            projects:
              - name: web
                repository: /srv/git/web.git
                pipeline: ci/gantry.yml
                webhook_secret: {env: WEB_SECRET}
                branches: [main, release]
              - name: api
                repository: https://git.example.com/api.git
                webhook_secret: {file: \(secretFile.path)}
            environments:
              staging: {promote: ["*"]}
              prod: {promote: [alice], approve: [bob]}
            """)
        let configuration = try ServerConfiguration.load(path: path.path, environment: ["WEB_SECRET": "from-env"])
        #expect(configuration.workers == 2)
        #expect(configuration.environmentOrder == ["staging", "prod"])
        #expect(configuration.permissions(for: "prod").allows(.approve, user: "bob"))
        #expect(configuration.shutdownGrace == .seconds(60))
        #expect(configuration.projects.map(\.name) == ["web", "api"])
        #expect(configuration.project("web")?.webhookSecret == "from-env")
        #expect(configuration.project("web")?.pipeline == "ci/gantry.yml")
        #expect(configuration.project("api")?.webhookSecret == "from-file")
        #expect(configuration.project("api")?.pipeline == "gantry.yml")
        #expect(configuration.project("web")?.runsPush(to: "refs/heads/release") == true)
        #expect(configuration.project("web")?.runsPush(to: "refs/heads/feature") == false)
    }

    @Test func everyProblemIsReportedAtItsLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "server.yml",
            """
            workers: 0
            projects:
              - name: Web!
                repository: /srv/web.git
                pipeline: ../outside.yml
                webhook_secret: hunter2-inline
              - name: api
                repository: /srv/api.git
                webhook_secret: {env: MISSING_SECRET}
                colour: blue
            """)
        do {
            _ = try ServerConfiguration.load(path: path.path, environment: [:])
            Issue.record("expected the configuration to be refused")
        } catch let error as DiagnosticsError {
            let text = error.description
            #expect(text.contains("server.yml:1:10: error: 'workers' must be a whole number from 1 to 64"))
            #expect(text.contains("server.yml:3:11: error: project name must match"))
            #expect(text.contains("server.yml:5:15: error: 'pipeline' must be a path inside the repository"))
            #expect(text.contains("server.yml:6:21: error: write the source of the webhook secret, not the secret"))
            #expect(text.contains("server.yml:9:27: error: environment variable MISSING_SECRET"))
            #expect(text.contains("server.yml:10:5: error: unknown project key 'colour'"))
            // The inline secret is never repeated back.
            #expect(!text.contains("hunter2"))
        }
    }

    @Test func withoutAConfigurationTheCurrentRepositoryIsTheProject() throws {
        let directory = try TemporaryDirectory(prefix: "My Repo")
        defer { directory.remove() }
        #expect(throws: InputError.self) {
            try ServerConfiguration.currentRepository(directory: directory.url, environment: [:])
        }
        try runChecked("git", ["init", "-q"], in: directory.url)
        let configuration = try ServerConfiguration.currentRepository(
            directory: directory.url, environment: ["GANTRY_WEBHOOK_SECRET": "s"])
        let project = try #require(configuration.projects.first)
        #expect(project.name.hasPrefix("my-repo-"))
        #expect(project.webhookSecret == "s")
        #expect(project.repository == directory.url.standardizedFileURL.path)
    }

    /// Credentials in a repository URL never reach an API response or a message.
    @Test func repositoryCredentialsAreRedacted() {
        let token = "glpat-" + String(repeating: "x", count: 20)
        let project = ProjectConfiguration(name: "web", repository: "https://ci-bot:\(token)@git.example.com/web.git")
        #expect(project.displayRepository == "https://***@git.example.com/web.git")
        let message = ProjectConfiguration.redactingCredentials(
            "fatal: unable to access 'https://ci-bot:\(token)@git.example.com/web.git/': 403; ssh://git@host/x")
        #expect(!message.contains(token))
        #expect(message.contains("https://***@git.example.com/web.git"))
        #expect(message.contains("ssh://***@host/x"))
        #expect(ProjectConfiguration.redactingCredentials("/srv/git/web.git") == "/srv/git/web.git")
    }
}
