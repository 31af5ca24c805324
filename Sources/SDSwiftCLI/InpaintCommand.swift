import ArgumentParser
import SDPipeline

struct InpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint",
        abstract: "Redraw the masked part of an image (white in the mask: repaint; black: keep).")

    @OptionGroup var options: GenerationOptions

    @Option(help: ArgumentHelp("The input PNG.", valueName: "path"))
    var image: String

    @Option(help: ArgumentHelp("The mask PNG, the image's size: 255 repaint, 0 keep, grays blend.", valueName: "path"))
    var mask: String

    @Option(help: "How much to change the masked area: 0 keeps it, 1 replaces it.")
    var strength: Float = 1

    @Option(help: ArgumentHelp("Blur the mask by this many pixels (A1111's mask blur).", valueName: "pixels"))
    var feather: Int = 0

    // .unconditional: "--grow -3" is a value, not an option.
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Grow (> 0) or shrink (< 0) the mask by this many pixels before blurring.", valueName: "pixels"))
    var grow: Int = 0

    @Flag(name: .customLong("only-masked"),
          help: "Work on the mask's bounding box (plus --padding) only, then paste it back.")
    var onlyMasked = false

    @Option(help: ArgumentHelp("Context kept around the mask with --only-masked.", valueName: "pixels"))
    var padding: Int = 32

    func validate() throws {
        try checkStrength(strength)
        guard (0...256).contains(feather) else { throw ValidationError("--feather must be 0...256, got \(feather)") }
        guard (-256...256).contains(grow) else { throw ValidationError("--grow must be -256...256, got \(grow)") }
        guard (0...4096).contains(padding) else { throw ValidationError("--padding must be 0...4096, got \(padding)") }
    }

    func run() throws {
        var inpaint = InpaintOptions()
        inpaint.featherRadius = feather
        inpaint.grow = grow
        inpaint.onlyMasked = onlyMasked
        inpaint.padding = padding
        try GenerationRun(options: options) {
            let (input, maskImage) = try InputImages.readWithMask(image: image, mask: mask)
            return .inpaint(image: input, mask: maskImage, strength: strength, options: inpaint)
        }.run()
    }
}
