import ArgumentParser
import Foundation
import SDCheckpoint
import SDPipeline

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model: family, layout, dtype, parameter counts, inpainting, prediction type.")

    @Argument(help: ArgumentHelp("A .safetensors checkpoint or a diffusers folder (default: the default model).",
                                 valueName: "model"))
    var model: String?

    @Option(name: .customLong("prediction-type"), help: "Override what the model is said to predict.")
    var predictionType: PredictionChoice?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The JSON form (keys in snake_case, counts as plain integers).
    struct Report: Encodable {
        var path: String
        var family: String
        var layout: String
        var dtype: String
        var parameters: [String: Int]
        var inpainting: Bool
        var prediction_type: String
        var native_width: Int
        var native_height: Int
    }

    func run() throws {
        let path = try ModelLocation.resolve(model)
        let checkpoint = try ModelLoading.open(path, predictionType: predictionType?.predictionType)
        let s = checkpoint.summary
        let native = NativeSize.of(path: path, config: checkpoint.config)
        if json {
            let report = Report(path: s.path, family: s.family.rawValue, layout: s.layout.rawValue, dtype: s.dominantDType.rawValue,
                                parameters: ["text_encoder": s.textParameters, "unet": s.unetParameters, "vae": s.vaeParameters,
                                             "total": s.textParameters + s.unetParameters + s.vaeParameters],
                                inpainting: s.isInpainting, prediction_type: s.predictionType.rawValue,
                                native_width: native.width, native_height: native.height)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(s.description)
            print("native size:  \(native.width)x\(native.height)")
        }
    }
}
