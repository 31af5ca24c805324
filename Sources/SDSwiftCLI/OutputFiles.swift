import Foundation
import SDPipeline

/// Output file names from the --output template, checked before any work, and written so that no
/// partial file is ever left: each image goes to a hidden temporary file next to its target, and
/// only when all of them are written are they renamed into place.
struct OutputFiles {
    let paths: [String]

    /// `{seed}` and `{index}` are replaced; several images and no placeholder: "-{index}" is put
    /// before the extension ("out.png" -> "out-0.png", "out-1.png", ...).
    init(template: String, seeds: [UInt64]) throws {
        var template = template
        if seeds.count > 1 && !template.contains("{seed}") && !template.contains("{index}") {
            let url = URL(fileURLWithPath: template)
            let ext = url.pathExtension
            template = ext.isEmpty ? template + "-{index}" : String(template.dropLast(ext.count + 1)) + "-{index}." + ext
        }
        paths = seeds.enumerated().map { i, seed in
            template.replacingOccurrences(of: "{seed}", with: String(seed))
                .replacingOccurrences(of: "{index}", with: String(i))
        }
        if Set(paths).count != paths.count {
            throw CLIFailure.usage("--output '\(template)' gives the same file name to several images; use {index} or {seed}")
        }
        for path in paths { try Self.checkWritable(path) }
    }

    /// The target must not be a folder, and its folder must exist and be writable.
    static func checkWritable(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw CLIFailure.general("cannot write \(path): it is a folder")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIFailure.general("cannot write \(path): folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw CLIFailure.general("cannot write \(path): folder \(folder) is not writable")
        }
    }

    /// Writes image i with its A1111 `parameters` text to paths[i]; all or nothing.
    func write(_ result: GenerationResult) throws {
        precondition(result.images.count == paths.count, "one path per image")
        var written: [String] = []
        defer {
            for temp in written { unlink(temp) }
            Interrupt.temporaryFiles.set([])
        }
        for (i, path) in paths.enumerated() {
            let url = URL(fileURLWithPath: path)
            let temp = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).sdswift-\(getpid()).tmp").path
            written.append(temp)
            Interrupt.temporaryFiles.set(written)   // a second Ctrl-C removes them before exiting
            do {
                try PNG.write(result.images[i], path: temp, text: [("parameters", result.parameters[i])])
            } catch {
                throw CLIFailure.general("cannot write \(path): \(error)")
            }
        }
        for (temp, path) in zip(written, paths) {
            guard rename(temp, path) == 0 else {
                throw CLIFailure.general("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
        written = []
    }
}
