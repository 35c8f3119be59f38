import Greeter
import Testing

@Test func greets() {
    #expect(Greeter(name: "Gantry").greeting() == "Hello, Gantry!")
}
