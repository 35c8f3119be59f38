import GantryCLI

/// The `gantry` executable: everything happens in GantryCLI.
@main
enum Entrypoint {
    static func main() async {
        await GantryMain.run()
    }
}
