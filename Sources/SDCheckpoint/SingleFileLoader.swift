// An original (CompVis/ldm, A1111-style) single-file .safetensors checkpoint:
//   model.diffusion_model.*   UNet
//   first_stage_model.*       VAE
//   cond_stage_model.transformer.*  (SD1, OpenAI CLIP)  or  cond_stage_model.model.*  (SD2, OpenCLIP)
// The file says nothing about its configuration, so it is detected from tensor names and shapes,
// and the schedule gets the SD defaults (scaled_linear 0.00085..0.012, 1000 steps, steps_offset 1,
// "leading"). Prediction type, unless given: SD1 epsilon; SD2 v_prediction (the 768-v models),
// except SD2 inpainting models, which are epsilon. SD2-base (512) files are epsilon models that
// look identical, so those need the explicit argument, as in diffusers.

enum SingleFileLoader {
    static let unetPrefix = "model.diffusion_model."
    static let vaePrefix = "first_stage_model."

    static func load(path: String, predictionType: PredictionType?) throws -> LoadedModel {
        let file = try SafeTensorsFile(path: path)
        let names = file.tensors.keys
        if names.contains(where: { $0.hasPrefix("conditioner.embedders.") }) {
            throw CheckpointError.unsupported("\(path) is an SDXL checkpoint (conditioner.embedders.*); only SD1.x and SD2.x are supported")
        }
        let unetTensors = PrefixedTensors(file: file, prefix: unetPrefix)
        if unetTensors.isEmpty {
            let examples = names.sorted().prefix(3).joined(separator: ", ")
            throw CheckpointError.unsupported("\(path): found \(names.count) tensors, none under \(unetPrefix) "
                                              + "(first: \(examples.isEmpty ? "none" : examples)); not an SD1.x/SD2.x checkpoint")
        }
        if unetTensors.has("label_emb.0.0.weight") || unetTensors.has("label_emb.weight") {
            throw CheckpointError.unsupported("\(path): a class-conditioned UNet (label_emb), e.g. an upscaler or SDXL")
        }
        let vaeTensors = PrefixedTensors(file: file, prefix: vaePrefix)
        if vaeTensors.isEmpty {
            throw CheckpointError.missingComponent("VAE: \(path) has no \(vaePrefix)* tensors")
        }
        let openCLIP = PrefixedTensors(file: file, prefix: SingleFileText.openCLIPPrefix)
        let clip = SingleFileText.clipTensors(file)

        var config = ModelConfig()
        config.layout = .singleFile
        let textEntries: [String: TensorReference]
        if !openCLIP.isEmpty {
            config.family = .sd2
            config.text = try SingleFileText.detectOpenCLIP(openCLIP)
            textEntries = try SingleFileText.mapOpenCLIP(openCLIP, config: config.text)
        } else if !clip.isEmpty {
            config.family = .sd1
            config.text = try SingleFileText.detectCLIP(clip)
            textEntries = SingleFileText.mapCLIP(clip)
        } else {
            throw CheckpointError.missingComponent("text encoder: \(path) has no \(SingleFileText.clipPrefix)* (SD1) "
                                                   + "or \(SingleFileText.openCLIPPrefix)* (SD2) tensors")
        }
        config.unet = try SingleFileUNet.detectConfig(unetTensors, family: config.family)
        config.vae = try SingleFileVAE.detectConfig(vaeTensors)
        config.tokenizer.padTokenID = config.family == .sd2 ? 0 : 49407
        config.schedule = NoiseScheduleConfig()
        config.schedule.predictionType = predictionType
            ?? (config.family == .sd2 && !config.isInpainting ? .vPrediction : .epsilon)

        return LoadedModel(config: config,
                           text: MappedWeightSource(entries: textEntries),
                           unet: MappedWeightSource(entries: SingleFileUNet.map(unetTensors, config: config.unet)),
                           vae: MappedWeightSource(entries: SingleFileVAE.map(vaeTensors, config: config.vae)))
    }
}
