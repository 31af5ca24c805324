import ArgumentParser

struct TextToImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "txt2img",
        abstract: "Make images from a prompt.")

    @OptionGroup var options: GenerationOptions

    @Option(help: "Width in pixels, a multiple of 8 (default: the model's native size).")
    var width: Int?

    @Option(help: "Height in pixels, a multiple of 8 (default: the model's native size).")
    var height: Int?

    func validate() throws {
        if width != nil || height != nil {
            do {
                // A side left out takes the other's value here only for the check; the run uses the native size.
                try GenerationRun.checkTextToImageSize(width: width ?? height!, height: height ?? width!)
            } catch let failure as CLIFailure {
                throw ValidationError(failure.message)
            }
        }
    }

    func run() throws {
        try GenerationRun(options: options, mode: { .textToImage }, size: (width, height)).run()
    }
}
