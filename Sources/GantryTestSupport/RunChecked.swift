import Foundation

/// Runs a program to completion (found on the PATH when `executable` has no slash) and returns its
/// stdout; throws `TestSupportError` with its stderr when it exits non-zero. Both pipes are drained
/// before waiting, so a chatty program cannot block.
@discardableResult
public func runChecked(
    _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil
) throws -> String {
    let process = Process()
    if executable.contains("/") {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
    }
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    nonisolated(unsafe) var errors = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errors = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestSupportError(
            "\(executable) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))"
        )
    }
    return String(decoding: data, as: UTF8.self)
}
