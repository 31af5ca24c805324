import ArgumentParser
import Foundation
import SDPipeline

/// --timestep-spacing values (diffusers' timestep_spacing).
enum SpacingChoice: String, CaseIterable, ExpressibleByArgument {
    case leading, trailing, linspace
}

/// Files loaded next to the model, and the schedule setting single files cannot state (part of
/// ModelOptions, so every generating subcommand takes them).
struct ModelFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A VAE replacing the model's: .safetensors (original or diffusers names, e.g. vae-ft-mse-840000-ema-pruned.safetensors) or a diffusers VAE folder.",
                               valueName: "path"))
    var vae: String?

    @Option(help: ArgumentHelp("A TAESD tiny autoencoder (taesd_decoder.safetensors, or diffusers' AutoencoderTiny file/folder) for previews and --fast-decode.",
                               valueName: "path"))
    var taesd: String?

    @Flag(name: .customLong("fast-decode"), help: "Decode the final images with --taesd instead of the VAE (much faster, slightly softer).")
    var fastDecode = false

    @Option(name: .customLong("timestep-spacing"),
            help: ArgumentHelp("Override the model's timestep spacing (trailing for SD-Turbo single files).", valueName: "spacing"))
    var timestepSpacing: SpacingChoice?

    var loadOptions: LoadOptions {
        LoadOptions(vaePath: vae, taesdPath: taesd, fastDecode: fastDecode, timestepSpacing: timestepSpacing?.rawValue)
    }

    func validate() throws {
        if fastDecode && taesd == nil { throw ValidationError("--fast-decode needs --taesd FILE") }
    }

    /// The given files exist (exit status 3 otherwise, as for the model).
    func checkFiles() throws {
        for (option, path) in [("--vae", vae), ("--taesd", taesd)] {
            if let path, !FileManager.default.fileExists(atPath: path) {
                throw CLIFailure.model("\(option) file not found: \(path)")
            }
        }
    }
}
