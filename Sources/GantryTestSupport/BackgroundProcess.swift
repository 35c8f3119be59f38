import Foundation
import GantryCore

/// A server process a test starts and stops: its stdout's first line can be read (servers print their
/// port), and `stop()` kills it with SIGKILL (a child of a test runner may inherit an ignored SIGTERM).
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()

    /// Starts `executable` with `arguments` (in `currentDirectory` when given); stderr goes to `log` when given.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, log: URL? = nil,
        currentDirectory: URL? = nil
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The first line the process printed (blocks until it prints one or exits).
    public func firstLine() -> String? {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init)
        return text?.trimmingCharacters(in: .whitespaces)
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
public func freeLoopbackPort() throws -> Int {
    guard let port = LoopbackPort.free() else { throw TestSupportError("cannot bind a loopback port") }
    return port
}

/// A failure to set up a test fixture.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` after `seconds` on a thread of its own, so it fires on time even when the test run
/// keeps every cooperative-pool thread busy (a `Task.sleep` can then be late by tens of seconds).
public func after(seconds: Double, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        Thread.sleep(forTimeInterval: seconds)
        body()
    }
    thread.start()
}
