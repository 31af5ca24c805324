import ArgumentParser
import SDPipeline

struct OutpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpaint",
        abstract: "Extend an image beyond its edges (the output is the input plus the extensions).")

    @OptionGroup var options: GenerationOptions

    @Option(help: ArgumentHelp("The input PNG.", valueName: "path"))
    var image: String

    @Option(help: ArgumentHelp("Pixels added on the left.", valueName: "pixels"))
    var left: Int = 0
    @Option(help: ArgumentHelp("Pixels added at the top.", valueName: "pixels"))
    var top: Int = 0
    @Option(help: ArgumentHelp("Pixels added on the right.", valueName: "pixels"))
    var right: Int = 0
    @Option(help: ArgumentHelp("Pixels added at the bottom.", valueName: "pixels"))
    var bottom: Int = 0

    @Option(help: ArgumentHelp("How far the regenerated band reaches into the original image.", valueName: "pixels"))
    var overlap: Int = 32

    @Option(help: ArgumentHelp("Blur the outpainting mask by this many pixels.", valueName: "pixels"))
    var feather: Int = 0

    func validate() throws {
        let sides = [left, top, right, bottom]
        guard sides.allSatisfy({ $0 >= 0 }), sides.contains(where: { $0 > 0 }) else {
            throw ValidationError("--left, --top, --right and --bottom must be >= 0, and at least one > 0")
        }
        guard sides.allSatisfy({ $0 <= StableDiffusionPipeline.maxSide }) else {
            throw ValidationError("an extension must be at most \(StableDiffusionPipeline.maxSide) pixels")
        }
        guard (0...4096).contains(overlap) else { throw ValidationError("--overlap must be 0...4096, got \(overlap)") }
        guard (0...256).contains(feather) else { throw ValidationError("--feather must be 0...256, got \(feather)") }
    }

    func run() throws {
        var outpaint = InpaintOptions()
        outpaint.overlap = overlap
        outpaint.featherRadius = feather
        let extents = Extents(left: left, top: top, right: right, bottom: bottom)
        try GenerationRun(options: options) {
            let input = try InputImages.read(image, what: "image")
            let maxSide = StableDiffusionPipeline.maxSide
            guard input.width + left + right <= maxSide, input.height + top + bottom <= maxSide else {
                throw CLIFailure.usage("the outpainted image would be \(input.width + left + right)x\(input.height + top + bottom); "
                    + "sides must be at most \(maxSide)")
            }
            return .outpaint(image: input, extend: extents, options: outpaint)
        }.run()
    }
}
