import Foundation
import StateModel
import Testing

@testable import Store

@Suite struct RunGraphJSONTests {
    @Test func decodesBackToTheSameNodes() throws {
        let graph = [
            RunGraphNode(name: "build", needs: [], level: 0),
            RunGraphNode(name: "test (3.12, \"ubuntu\")", needs: ["build"], level: 1),
            RunGraphNode(name: "tab\tnew\nline\\ \u{1}ünï", needs: ["build", "test (3.12, \"ubuntu\")"], level: 2),
        ]
        let json = StateStore.graphJSON(graph)
        #expect(try JSONDecoder().decode([RunGraphNode].self, from: Data(json.utf8)) == graph)
        #expect(StateStore.graphJSON([]) == "[]")
    }

    @Test func aStoredGraphReadsBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore(directory: directory)
        try store.beginRun(
            RunRecord(
                id: "r1", correlation: "c", pipelineName: "p", pipelineFile: "gantry.yml", pipelineDigest: "d",
                status: .running, startedAt: Date(), commitSHA: nil, branch: nil, toolVersions: "{}"))
        let graph = [RunGraphNode(name: "a", needs: [], level: 0), RunGraphNode(name: "b", needs: ["a"], level: 1)]
        try store.recordRunGraph(runID: "r1", graph)
        #expect(try store.runGraph(runID: "r1") == graph)
    }
}
