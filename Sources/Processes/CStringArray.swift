/// NULL-terminated arrays of C strings for `execve`: `argv` and `envp`, built in one allocation each
/// (a step's fifty variables would otherwise cost fifty `strdup`s and as many `free`s per child).
enum CStringArray {
    /// Calls `body` with a NULL-terminated C array of `strings`.
    static func with<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        build(count: strings.count, bytes: strings.reduce(0) { $0 + $1.utf8.count + 1 }, body) { put in
            for string in strings { put(string, nil) }
        }
    }

    /// Calls `body` with a NULL-terminated C array of `NAME=value` for `environment`, with `extra` set
    /// (it replaces a variable of the same name).
    static func withEnvironment<R>(
        _ environment: [String: String], adding extra: (name: String, value: String),
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
    ) -> R {
        var bytes = extra.name.utf8.count + extra.value.utf8.count + 2
        var count = 1
        for (name, value) in environment where name != extra.name {
            bytes += name.utf8.count + value.utf8.count + 2
            count += 1
        }
        return build(count: count, bytes: bytes, body) { put in
            for (name, value) in environment where name != extra.name { put(name, value) }
            put(extra.name, extra.value)
        }
    }

    /// Lays the strings `fill` gives out in one buffer of `bytes`, each NUL-terminated (`name=value`
    /// when a value is given), and calls `body` with the array of their starts.
    private static func build<R>(
        count: Int, bytes: Int, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R,
        fill: ((String, String?) -> Void) -> Void
    ) -> R {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes))
        defer { storage.deallocate() }
        var starts: [UnsafeMutablePointer<CChar>?] = []
        starts.reserveCapacity(count + 1)
        var offset = 0
        func copy(_ text: String) {
            for byte in text.utf8 {
                storage[offset] = byte
                offset += 1
            }
        }
        fill { first, value in
            guard let base = storage.baseAddress else { return }
            starts.append(UnsafeMutableRawPointer(base + offset).assumingMemoryBound(to: CChar.self))
            copy(first)
            if let value {
                storage[offset] = UInt8(ascii: "=")
                offset += 1
                copy(value)
            }
            storage[offset] = 0
            offset += 1
        }
        starts.append(nil)
        return starts.withUnsafeBufferPointer { buffer in
            // execve takes `char *const[]`; the strings are not modified. A non-empty array has a base.
            body(buffer.baseAddress!)
        }
    }
}
