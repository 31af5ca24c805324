import ArgumentParser

struct ImageToImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "img2img",
        abstract: "Redraw an image guided by a prompt (the output has the input's size).")

    @OptionGroup var options: GenerationOptions

    @Option(help: ArgumentHelp("The input PNG.", valueName: "path"))
    var image: String

    @Option(help: "How much to change the image: 0 keeps it, 1 replaces it.")
    var strength: Float = 0.75

    func validate() throws { try checkStrength(strength) }

    func run() throws {
        try GenerationRun(options: options) {
            .imageToImage(image: try InputImages.read(image, what: "image"), strength: strength)
        }.run()
    }
}
