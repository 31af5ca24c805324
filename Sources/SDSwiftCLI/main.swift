import ArgumentParser
import Foundation

// Parsing and running are done by hand (not SDSwiftCommand.main()) so that every error is one line
// "sdswift: error: <message>" with this tool's exit statuses (argument-parser would use 64 for usage).

func printError(_ message: String) {
    let oneLine = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }.joined(separator: " ")
    FileHandle.standardError.write(Data("sdswift: error: \(oneLine)\n".utf8))
}

func runCommandLine(_ arguments: [String]) -> Int32 {
    do {
        var command = try SDSwiftCommand.parseAsRoot(arguments)
        Interrupt.install()
        try command.run()
        return 0
    } catch let failure as CLIFailure {
        printError(failure.message)
        return failure.code
    } catch {
        let code = SDSwiftCommand.exitCode(for: error)
        if code == .success {   // --help, --version
            print(SDSwiftCommand.fullMessage(for: error))
            return 0
        }
        var message = SDSwiftCommand.message(for: error)
        if code == .validationFailure {
            let sub = arguments.first.flatMap { name in
                SDSwiftCommand.configuration.subcommands.first { $0.configuration.commandName == name } }
            message += " (see 'sdswift \(sub.map { $0.configuration.commandName! + " " } ?? "")--help')"
            printError(message)
            return 2
        }
        printError(message)
        return 1
    }
}

let status = runCommandLine(Array(CommandLine.arguments.dropFirst()))
fflush(stdout)
exit(status)
