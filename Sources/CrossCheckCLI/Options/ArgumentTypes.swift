import ArgumentParser
import CrossCheckCore
import CrossCheckProperties

// The vocabulary's enums as typed command-line values: ArgumentParser checks them, lists them in
// `--help`, and answers an unknown one with a usage error (exit status 64).

extension FloatFormat: ExpressibleByArgument {}
extension SoftmaxFunction: ExpressibleByArgument {}
extension RowKind: ExpressibleByArgument {}

/// A built-in implementation, by the name `--implementation` takes (`Implementations.names`).
struct ImplementationName: ExpressibleByArgument, Sendable {
    let name: String

    init?(argument: String) {
        guard Implementations.named(argument) != nil else { return nil }
        name = argument
    }

    static var allValueStrings: [String] { Implementations.names }

    /// The implementation itself.
    var implementation: any SoftmaxImplementation { Implementations.named(name)! }
}
