import Foundation
import GantryCore
import Testing

@testable import Pipeline

/// `gantry convert`: a workflow written out as a gantry.yml that validates and means the same.
@Suite struct ConvertTests {
    static let workflow = """
        name: CI
        on:
          push:
            paths: ["src/**"]
          workflow_dispatch:
            inputs:
              level: {default: info}
        permissions:
          contents: read
        jobs:
          test:
            runs-on: ubuntu-latest
            timeout-minutes: 15
            strategy:
              matrix:
                python: ["3.11", "3.12"]
            steps:
              - uses: actions/checkout@v4
              - run: |
                  echo "python ${{ matrix.python }} level ${{ inputs.level }}"
                  echo "token ${{ secrets.API_TOKEN }}"
          db:
            runs-on: ubuntu-latest
            services:
              postgres:
                image: postgres:16
            steps:
              - run: echo db
        """

    @Test func aWorkflowBecomesAGantryFileThatValidatesAndKeepsItsMeaning() throws {
        let conversion = try PipelineConverter.convert(text: Self.workflow, file: ".github/workflows/ci.yml")
        let text = conversion.text
        // It is a gantry.yml (not read as a workflow) and means the same.
        let definition = try PipelineParser.parse(text: text, file: "gantry.yml")
        #expect(
            PipelineFormat.detect(file: "gantry.yml", root: try YAMLDocument(file: "gantry.yml", text: text).root)
                == .gantry)
        #expect(definition.format == .github)
        #expect(definition.workflowEvents == ["push", "workflow_dispatch"])
        #expect(definition.workflowInputs == ["level": "info"])
        let test = try #require(definition.job("test"))
        #expect(test.timeout == .seconds(900))
        #expect(test.secrets == ["API_TOKEN"])
        #expect(test.paths.map(\.pattern) == ["src/**"])
        #expect(test.matrix?.axes.first?.values.count == 2)
        #expect(test.steps.last?.run?.contains("${{ matrix.python }}") == true)
        // What was not translated, or means nothing here, is a comment where it was.
        #expect(text.contains("  # not translated: jobs.db.services needs a container engine"))
        #expect(text.contains("  # runs-on: ubuntu-latest — dropped"))
        #expect(text.contains("# permissions: {contents: read} — dropped"))
        #expect(conversion.notTranslated.count == 1)
        #expect(text.hasPrefix("# Converted from ci.yml by gantry convert."))
    }

    /// A value with a line break in it cannot end a comment and add keys to the converted file.
    @Test func notesStayComments() throws {
        let conversion = try PipelineConverter.convert(
            text:
                "on: push\njobs:\n  a:\n    runs-on: \"macos-latest\\nenv: {INJECTED: yes}\"\n    steps:\n      - run: echo\n",
            file: ".github/workflows/ci.yml")
        #expect(!conversion.text.contains("\nenv: {INJECTED"))
        #expect(try PipelineParser.parse(text: conversion.text, file: "gantry.yml").env.isEmpty)
    }

    @Test func aGantryFileIsNotConvertedAndAnInvalidWorkflowIsReported() {
        #expect(throws: DiagnosticsError.self) {
            try PipelineConverter.convert(text: "jobs:\n  a:\n    steps:\n      - run: x\n", file: "gantry.yml")
        }
        // An invalid workflow is reported as validate reports it.
        do {
            _ = try PipelineConverter.convert(
                text: "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stesp: []\n",
                file: ".github/workflows/ci.yml")
            Issue.record("an invalid workflow was converted")
        } catch {
            #expect(
                error.diagnostics.contains {
                    $0.description.hasPrefix(".github/workflows/ci.yml:5:5: error: unknown key 'stesp'")
                })
        }
    }

    @Test func aDialectIsReadAndCheckedInAGantryFile() {
        #expect(
            diagnostics("dialect: gitlub\njobs:\n  a:\n    steps:\n      - run: x\n").contains {
                $0.hasPrefix("gantry.yml:1:10: error: unknown dialect 'gitlub'")
            })
        #expect(
            diagnostics("dialect: {github: {event: [push]}}\njobs:\n  a:\n    steps:\n      - run: x\n").contains {
                $0.contains("unknown key 'event' in dialect.github (did you mean 'events'?)")
            })
        // Without the dialect, GitHub's contexts are not a gantry.yml's.
        #expect(
            diagnostics("jobs:\n  a:\n    steps:\n      - run: echo ${{ github.sha }}\n").contains {
                $0.contains("unknown context 'github'")
            })
        #expect(diagnostics("dialect: github\njobs:\n  a:\n    steps:\n      - run: echo ${{ github.sha }}\n").isEmpty)
    }
}
