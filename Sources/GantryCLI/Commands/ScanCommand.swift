import ArgumentParser

/// `gantry scan secrets|dockerfile|terraform`: supply-chain scanners. Exit 0 clean, 1 blocking
/// findings, 2 usage or input error.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract:
            "Scan for committed secrets, vulnerable dependencies, risky Dockerfiles and destructive Terraform plans.",
        discussion:
            "Every scanner prints text, --json, or --sarif FILE (SARIF 2.1.0). Exit 0 clean, 1 blocking findings, 2 input error.",
        subcommands: [Secrets.self, Vulns.self, Dockerfile.self, Terraform.self])
}
