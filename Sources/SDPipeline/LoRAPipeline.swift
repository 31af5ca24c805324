import Foundation
import SDCheckpoint
import SDModels
import SDTensor

/// One LoRA file and how strongly it applies to the UNet and to the text encoder.
public struct LoRAUse: Sendable, Hashable {
    public var path: String
    public var unetWeight: Float
    public var textWeight: Float

    public init(path: String, weight: Float = 1) { self.init(path: path, unetWeight: weight, textWeight: weight) }
    public init(path: String, unetWeight: Float, textWeight: Float) {
        self.path = path; self.unetWeight = unetWeight; self.textWeight = textWeight
    }
}

/// The LoRAs of one pipeline. The model's weights are never written: a set of LoRAs is merged into
/// Float32 copies of the layers it changes (a WeightOverlay) and each generation runs under the overlay
/// it took when it started, so changing LoRAs never races with generations in progress and dropping
/// them gives back the original weights bit for bit.
final class LoRAState: @unchecked Sendable {
    let targets: LoRATargets
    private let lock = NSLock()
    private var fixed: [LoRAUse] = []
    private var fixedOverlay: WeightOverlay?
    private var folder: String?
    private var files: [String: (stamp: [Int], file: LoRAFile)] = [:]
    /// The last merge made for a request that added LoRAs (a batch of requests alike merges once).
    private var recent: (uses: [LoRAUse], overlay: WeightOverlay?)?

    init(targets: LoRATargets) { self.targets = targets }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    var directory: String? {
        get { locked { folder } }
        set { locked { folder = newValue } }
    }

    var fixedUses: [LoRAUse] { locked { fixed } }

    func setFixed(_ uses: [LoRAUse]) throws {
        let overlay = try self.overlay(for: uses)
        locked { fixed = uses; fixedOverlay = overlay }
    }

    /// The overlay for a full list of LoRAs (the model's, then the request's): the model's merge or
    /// the last request's when the list is the same, else a new merge (kept as the last request's).
    func overlay(for uses: [LoRAUse]) throws -> WeightOverlay? {
        enum Cached { case hit(WeightOverlay?), miss }
        let cached: Cached = locked {
            if uses == fixed { return .hit(fixedOverlay) }
            if let recent, recent.uses == uses { return .hit(recent.overlay) }
            return .miss
        }
        if case .hit(let overlay) = cached { return overlay }
        let overlay = try merged(uses)
        locked { recent = (uses, overlay) }
        return overlay
    }

    private func merged(_ uses: [LoRAUse]) throws -> WeightOverlay? {
        guard !uses.isEmpty else { return nil }
        let applications = try uses.map { use -> LoRAApplication in
            guard use.unetWeight.isFinite, use.textWeight.isFinite else {
                throw PipelineError.invalidArgument("LoRA \(use.path): weights must be finite numbers")
            }
            return LoRAApplication(file: try file(at: use.path), unetWeight: use.unetWeight, textWeight: use.textWeight)
        }
        return try LoRAMerge.overlay(applications, targets: targets)
    }

    /// A parsed LoRA file, read again when the file on disk changed (size or modification time).
    private func file(at path: String) throws -> LoRAFile {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else { throw CheckpointError.fileNotFound(path) }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let time = Int(((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1e6)
        let stamp = [size, time]
        if let cached = locked({ files[path] }), cached.stamp == stamp { return cached.file }
        let file = try LoRAFile(path: path)
        locked { files[path] = (stamp, file) }
        return file
    }

    /// NAME of `<lora:NAME:...>`: FOLDER/NAME.safetensors, else a NAME.safetensors anywhere below FOLDER.
    func path(forTag name: String) throws -> String {
        guard let folder = directory else {
            throw PipelineError.invalidArgument("the prompt names LoRA '\(name)' (<lora:\(name):...>) but no LoRA folder is set")
        }
        let fm = FileManager.default
        let file = name.lowercased().hasSuffix(".safetensors") ? name : name + ".safetensors"
        let direct = (folder as NSString).appendingPathComponent(file)
        if fm.fileExists(atPath: direct) { return direct }
        if let found = fm.enumerator(atPath: folder)?.compactMap({ $0 as? String }).sorted()
            .first(where: { ($0 as NSString).lastPathComponent == file }) {
            return (folder as NSString).appendingPathComponent(found)
        }
        throw PipelineError.invalidArgument("no LoRA named '\(name)' (\(file)) in \(folder)")
    }
}

extension StableDiffusionPipeline {
    /// Merges these LoRAs into the weights that every later generation starts from (for a fixed set
    /// of weights: no cost per step). An empty list unmerges: the original weights, bit for bit.
    /// Generations already running keep the weights they started with. Throws (and changes nothing)
    /// when a file cannot be read or does not fit this model.
    public func setLoRAs(_ uses: [LoRAUse]) throws { try loraState.setFixed(uses) }

    /// The LoRAs merged by `setLoRAs`.
    public var loras: [LoRAUse] { loraState.fixedUses }

    /// The folder that `<lora:NAME:WEIGHT>` prompt tags are looked up in (NAME.safetensors).
    public var loraDirectory: String? {
        get { loraState.directory }
        set { loraState.directory = newValue }
    }

    /// The model's layers by module name ("down_blocks.0.resnets.0.conv1", "text_model.encoder.layers.0.mlp.fc1").
    public var loraTargets: LoRATargets { loraState.targets }

    /// Every LoRA a request runs with: the model's (setLoRAs), the request's `loras`, then the
    /// `<lora:NAME:WEIGHT>` tags of its prompt (looked up in `loraDirectory`).
    public func loras(for request: GenerationRequest) throws -> [LoRAUse] {
        let tagged = try LoRAPromptTags.tags(in: request.prompt).map {
            LoRAUse(path: try loraState.path(forTag: $0.name), unetWeight: $0.unetWeight, textWeight: $0.textWeight)
        }
        return loraState.fixedUses + request.loras + tagged
    }

    /// The weights a request runs with, merged (nil: the stored weights). Run model code under it with
    /// `WeightOverlay.apply`.
    public func loraOverlay(for request: GenerationRequest) throws -> WeightOverlay? {
        try loraState.overlay(for: loras(for: request))
    }

    /// Runs one request: every mode goes through `denoise`. Image i of a batch uses seed + i.
    /// `noiseFor` overrides where image i's random values come from (tests replay reference noise).
    /// The model's LoRAs and the request's are in force for the whole request (see LoRAState).
    public func generate(_ request: GenerationRequest, cancel: CancelToken? = nil,
                         progress: ((ProgressEvent) -> Bool)? = nil,
                         noiseFor: ((Int) -> NoiseSource)? = nil) throws -> GenerationResult {
        let overlay = try loraOverlay(for: request)
        return try WeightOverlay.apply(overlay) {
            try generateWithCurrentWeights(request, cancel: cancel, progress: progress, noiseFor: noiseFor)
        }
    }
}
