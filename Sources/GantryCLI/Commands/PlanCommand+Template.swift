import ArgumentParser
import Engine
import Foundation
import GantryCore
import Pipeline

/// `gantry plan --template T`: the pipelines that include a template repository (its blast radius),
/// and how each one's plan changes at a candidate version of it.
struct TemplateImpactReport {
    let template: String
    let candidate: String?
    let repos: [String]
    let json: Bool

    func print() async throws {
        let templateURL = URL(fileURLWithPath: template).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: templateURL.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ValidationError("--template \(template): not a folder (name a template repository: a git repository)")
        }
        for repo in repos where !FileManager.default.fileExists(atPath: repo) {
            throw ValidationError("--repos \(repo): no such folder")
        }
        let impacts = await TemplateImpact.assess(
            template: templateURL, candidate: candidate, under: repos.map { URL(fileURLWithPath: $0) })
        if json {
            Terminal.printOut(
                Terminal.json(
                    ["template": template, "candidate": candidate ?? "HEAD", "pipelines": impacts.map(Self.object)]
                        as [String: Any]))
            return
        }
        let safe = TerminalText.neutralize
        let commit = impacts.compactMap(\.candidateCommit).first.map { ", commit \($0.prefix(12))" } ?? ""
        Terminal.printOut(
            "Pipelines including \(safe(template)) (candidate \(safe(candidate ?? "HEAD"))\(commit)): \(impacts.count)")
        for impact in impacts {
            let pinned = impact.pinned.reference.version ?? "no version"
            let here = FileManager.default.currentDirectoryPath + "/"
            let file = impact.file.hasPrefix(here) ? String(impact.file.dropFirst(here.count)) : impact.file
            Terminal.printOut("  \(safe(file))  pins \(safe(pinned)) (\(impact.pinned.pin.rawValue))")
            if let problem = impact.problem {
                for line in problem.split(separator: "\n") { Terminal.printOut("    ! \(safe(String(line)))") }
                continue
            }
            if impact.changes.isEmpty { Terminal.printOut("    no change") }
            for change in impact.changes {
                switch change {
                case .removed(let name): Terminal.printOut("    - \(safe(name))  removed")
                case .added(let name): Terminal.printOut("    + \(safe(name))  added")
                case .changed(let name, let parts):
                    Terminal.printOut("    ~ \(safe(name))  \(parts.joined(separator: ", ")) changed")
                }
            }
        }
        let changing = impacts.filter { !$0.changes.isEmpty }.count
        let losing = impacts.filter { $0.changes.contains { if case .removed = $0 { true } else { false } } }.count
        let failing = impacts.filter { $0.problem != nil }.count
        Terminal.printOut(
            "\(impacts.count) pipeline\(impacts.count == 1 ? " includes" : "s include") it: \(changing) would change, "
                + "\(losing) would lose jobs, \(failing) would not plan")
    }

    static func object(_ impact: TemplateImpact.PipelineImpact) -> [String: Any] {
        [
            "file": impact.file, "version": impact.pinned.reference.version ?? NSNull(),
            "pin": impact.pinned.pin.rawValue, "commit": impact.pinned.commit ?? NSNull(),
            "candidate_commit": impact.candidateCommit ?? NSNull(), "problem": impact.problem ?? NSNull(),
            "changes": impact.changes.map { change -> [String: Any] in
                switch change {
                case .removed(let name): ["job": name, "change": "removed"]
                case .added(let name): ["job": name, "change": "added"]
                case .changed(let name, let parts): ["job": name, "change": "changed", "parts": parts]
                }
            },
        ]
    }
}
