import Foundation

/// Where the model comes from: --model, or the default model found next to the program.
enum ModelLocation {
    static let defaultFileName = "sdswift-default.safetensors"

    /// The model to use, checked to exist (exit status 3 when it does not): --model, else
    /// $SDSWIFT_MODEL, else the first default location that holds the default model.
    static func resolve(_ given: String?) throws -> String {
        if let given {
            guard FileManager.default.fileExists(atPath: given) else {
                throw CLIFailure.model("model not found: \(given)")
            }
            return given
        }
        if let env = ProcessInfo.processInfo.environment["SDSWIFT_MODEL"], !env.isEmpty {
            // An explicit setting is the only candidate: silently falling back would hide a typo.
            guard FileManager.default.fileExists(atPath: env) else {
                throw CLIFailure.model("model not found: \(env) (from SDSWIFT_MODEL)")
            }
            return env
        }
        if let found = defaultCandidates().first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return found
        }
        throw CLIFailure.model("no model given and the default model (\(defaultFileName)) is not installed; "
            + "pass --model PATH (a .safetensors checkpoint or a diffusers folder), or set SDSWIFT_MODEL")
    }

    /// Without SDSWIFT_MODEL, in order: <bin>/../share/sdswift/, <bin>/, then the source tree's Models/default/.
    static func defaultCandidates() -> [String] {
        var paths: [String] = []
        if let bin = executableDirectory() {
            paths.append(bin.appendingPathComponent("../share/sdswift/\(defaultFileName)").standardized.path)
            paths.append(bin.appendingPathComponent(defaultFileName).path)
        }
        // Sources/SDSwiftCLI/ModelLocation.swift -> <repo>/Models/default/
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        paths.append(repo.appendingPathComponent("Models/default/\(defaultFileName)").path)
        return paths
    }

    /// The folder of the running executable (through /proc/self/exe, so symlinks resolve to the real file).
    static func executableDirectory() -> URL? {
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: exe).deletingLastPathComponent()
        }
        return Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
    }
}
