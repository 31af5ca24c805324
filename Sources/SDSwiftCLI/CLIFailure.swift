/// A failure the command reports as one line "sdswift: error: <message>" and an exit status.
/// Exit statuses (documented in `sdswift --help`):
///   0 success, 1 engine or other error, 2 usage error, 3 model file problem,
///   4 bad input image or mask, 130 cancelled (Ctrl-C).
struct CLIFailure: Error {
    var code: Int32
    var message: String

    static func general(_ m: String) -> CLIFailure { CLIFailure(code: 1, message: m) }
    static func usage(_ m: String) -> CLIFailure { CLIFailure(code: 2, message: m) }
    static func model(_ m: String) -> CLIFailure { CLIFailure(code: 3, message: m) }
    static func input(_ m: String) -> CLIFailure { CLIFailure(code: 4, message: m) }
    static let cancelled = CLIFailure(code: 130, message: "cancelled")
}
