import CGantrySystem

/// Keeps secrets out of what other processes can read about Gantry's own process.
///
/// `/proc/<pid>/environ` and `/proc/<pid>/cmdline` show the memory the kernel laid the environment
/// and arguments out in; unsetting a variable or dropping an argument does not change it. So the
/// values are overwritten in place, once read, and the process is made non-dumpable, which makes
/// its `/proc` files readable by root only and refuses `ptrace` by other processes of the same user.
public enum ProcessSecrecy {
    /// Marks the process non-dumpable (no core dumps, no ptrace or /proc reads by the same user).
    public static func harden() {
        _ = gantry_set_dumpable(0)
    }

    /// Overwrites `values` wherever they appear in the original arguments, and the values of the
    /// environment entries `environmentNames`. Read everything you need from them first.
    public static func scrub(values: some Sequence<String>, environmentNames: some Sequence<String>) {
        for value in values where !value.isEmpty { _ = gantry_scrub_arguments(value) }
        for name in environmentNames { _ = gantry_scrub_environment_entry(name) }
    }
}
