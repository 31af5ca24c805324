import ArgumentParser
import Foundation
import SDPipeline

/// --lora PATH[:WEIGHT] (repeatable): LoRAs merged into the model for the whole run; --lora-dir DIR:
/// where `<lora:NAME:WEIGHT>` tags in the prompt find NAME.safetensors.
struct LoRAOptions: ParsableArguments {
    @Option(name: .customLong("lora"),
            help: ArgumentHelp("A LoRA .safetensors (kohya/A1111 or diffusers/PEFT layout) and its weight (default 1), applied to the UNet and the text encoder. Repeatable.",
                               valueName: "path[:weight]"))
    var loras: [String] = []

    @Option(name: .customLong("lora-dir"),
            help: ArgumentHelp("Folder for <lora:NAME:WEIGHT> in the prompt (NAME.safetensors, also in subfolders).", valueName: "dir"))
    var loraDirectory: String?

    /// "PATH:WEIGHT" -> (PATH, WEIGHT); a PATH whose last ':' part is no number is all path.
    static func parse(_ text: String) -> LoRAUse {
        if let colon = text.lastIndex(of: ":"), let weight = Float(text[text.index(after: colon)...]), colon != text.startIndex {
            return LoRAUse(path: String(text[..<colon]), weight: weight)
        }
        return LoRAUse(path: text, weight: 1)
    }

    var uses: [LoRAUse] { loras.map(Self.parse) }

    func validate() throws {
        for use in uses where !use.unetWeight.isFinite || use.path.isEmpty {
            throw ValidationError("--lora wants PATH or PATH:WEIGHT with a finite weight")
        }
    }

    /// The given files and folder exist (exit status 3 otherwise, as for the model).
    func checkFiles() throws {
        var isFolder: ObjCBool = false
        for use in uses where !FileManager.default.fileExists(atPath: use.path) {
            throw CLIFailure.model("--lora file not found: \(use.path)")
        }
        if let loraDirectory, !(FileManager.default.fileExists(atPath: loraDirectory, isDirectory: &isFolder) && isFolder.boolValue) {
            throw CLIFailure.model("--lora-dir folder not found: \(loraDirectory)")
        }
    }

    /// Merges the --lora files into the loaded model and sets its LoRA folder.
    func apply(to pipeline: StableDiffusionPipeline) throws {
        pipeline.loraDirectory = loraDirectory
        do {
            try pipeline.setLoRAs(uses)
        } catch {
            throw CLIFailure.model("--lora: \(error)")
        }
    }
}
