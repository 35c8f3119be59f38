// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every Gantry target: Swift 6 language mode plus upcoming features we rely on.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "gantry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gantry", targets: ["gantry"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Shared value types: Digest, IDs, durations, errors, canonical JSON, globs.
        .target(
            name: "GantryCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), "Yams"],
            swiftSettings: swiftSettings
        ),
        // YAML → validated pipeline model with line:col diagnostics, expressions, matrix, path filters, plan.
        .target(
            name: "Pipeline",
            dependencies: ["GantryCore", "Yams"],
            swiftSettings: swiftSettings
        ),
        // Deterministic packing, the OCI image layout store, safe unpacking.
        .target(name: "Artifacts", dependencies: ["GantryCore"], swiftSettings: swiftSettings),
        // Lockfile parsers: what a directory's lockfiles pin (the SBOM's and the vulnerability scan's input).
        .target(name: "Inventory", dependencies: ["GantryCore"], swiftSettings: swiftSettings),
        // SBOM generation, SLSA provenance, DSSE signing and verification with Ed25519 keys.
        .target(
            name: "Attestation",
            dependencies: ["GantryCore", "Artifacts", "Inventory", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Persistence: SQLite via GRDB, migrations, run records.
        // The state's domain records and the async repository protocols a store implements (no GRDB).
        .target(
            name: "StateModel",
            dependencies: ["GantryCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "GantryCore", "StateModel", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Small C shim over posix_spawn, pidfd and process groups (Linux system calls Swift cannot reach directly).
        .target(name: "CGantrySystem"),
        // Child processes: spawning, process groups and descendants, owner marks and the sentinel,
        // timeouts and cancellation, keeping secrets out of /proc. Used by Engine and Release.
        .target(name: "Processes", dependencies: ["GantryCore", "CGantrySystem"], swiftSettings: swiftSettings),
        // DAG scheduler, job execution, retries, cache, build avoidance, masking, logs.
        .target(
            name: "Engine",
            dependencies: ["GantryCore", "Pipeline", "StateModel", "Processes", "CGantrySystem"],
            swiftSettings: swiftSettings
        ),
        // The `uses: gantry/<name>` actions (pack, scans, hash-files, set-outputs), above the engine.
        .target(
            name: "BuiltinActions",
            dependencies: ["GantryCore", "Engine", "StateModel", "Artifacts", "Attestation", "Policy"],
            swiftSettings: swiftSettings
        ),
        // The composition root: configuration turned into services once (stores, keys, actions, runner).
        .target(
            name: "Composition",
            dependencies: [
                "GantryCore", "Pipeline", "Engine", "BuiltinActions", "Store", "Artifacts", "Attestation", "Release",
                "Policy", "Processes", "Proxy", "Serving",
            ],
            swiftSettings: swiftSettings
        ),
        // Supply-chain gates: secret scanning, Dockerfile and Terraform-plan rules, SARIF reports.
        .target(
            name: "Policy",
            dependencies: [
                "GantryCore", "Inventory", "Processes", "Yams", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // zlib, to read deflated zip entries (OSV database exports).
        .systemLibrary(name: "CZlib"),
        // The HTTP/1.1 reverse proxy releases are served behind: weighted routing, per-release counters.
        .target(
            name: "Proxy",
            dependencies: [
                "GantryCore",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // Every request crosses these handlers: exclusivity is proved at compile time where it can be,
            // and the run-time checks (a few percent of the proxy's CPU) are left out of release builds.
            swiftSettings: swiftSettings + [
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]),
        // `gantry proxy --env`: releases run as supervised processes behind the proxy, following the state.
        .target(
            name: "Serving",
            dependencies: ["GantryCore", "Pipeline", "StateModel", "Artifacts", "Processes", "Proxy"],
            swiftSettings: swiftSettings),
        // Environments, the promotion state machine, approvals (+TOTP), deploy drivers, rollback, status.
        .target(
            name: "Release",
            dependencies: [
                "GantryCore", "Pipeline", "StateModel", "Artifacts", "Attestation", "Policy", "Processes",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // `gantry serve`: the HTTP API, webhooks and the run queue, on Hummingbird and the composition root.
        .target(
            name: "Server",
            dependencies: [
                "GantryCore", "Pipeline", "Engine", "Store", "StateModel", "Release", "Composition", "Processes",
                "Artifacts", "Attestation", "Policy", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The API's contract, compiled into the binary and served at /api/v1/openapi.yaml.
            resources: [.embedInCode("API/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // ArgumentParser commands, one file per subcommand, and output formatting.
        .target(
            name: "GantryCLI",
            dependencies: [
                "GantryCore", "Pipeline", "Engine", "Store", "Artifacts", "Attestation", "Release", "Policy",
                "Processes", "Composition", "Server", "Proxy", "Serving",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The executable: an entrypoint only.
        .executableTarget(
            name: "gantry", dependencies: ["GantryCLI"],
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
        ),
        // Test helpers: temporary directories, pipeline fixtures, the built binary.
        .target(name: "GantryTestSupport", dependencies: ["GantryCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GantryCoreTests",
            dependencies: ["GantryCore", "GantryTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "GantryTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArtifactsTests", dependencies: ["Artifacts", "GantryTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AttestationTests", dependencies: ["Attestation", "Artifacts", "GantryTestSupport"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "GantryTestSupport"], swiftSettings: swiftSettings),
        // The repository protocols' behaviour, run against every implementation (SQLite today).
        .testTarget(
            name: "StoreConformanceTests", dependencies: ["Store", "GantryCore", "GantryTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EngineTests", dependencies: ["Engine", "Pipeline", "Store", "Processes", "GantryTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PolicyTests", dependencies: ["Policy", "GantryTestSupport"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ReleaseTests",
            dependencies: ["Release", "Pipeline", "Store", "Artifacts", "Attestation", "GantryTestSupport"],
            swiftSettings: swiftSettings),
        // Tests against real peers (an OCI registry, skopeo) that they start themselves on loopback.
        .testTarget(
            name: "IntegrationTests", dependencies: ["Artifacts", "Attestation", "GantryTestSupport"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Composition", "Store", "GantryTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ProxyTests", dependencies: ["Proxy", "GantryCore", "GantryTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ServingTests",
            dependencies: [
                "Serving", "Release", "Proxy", "Store", "Artifacts", "Attestation", "Pipeline", "GantryCore",
                "GantryTestSupport",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GantryCLITests", dependencies: ["GantryCLI", "GantryTestSupport"], swiftSettings: swiftSettings),
    ]
)
