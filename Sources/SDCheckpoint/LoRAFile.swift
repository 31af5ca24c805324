import Foundation

/// Which part of the model a LoRA module changes.
public enum LoRAComponent: String, Sendable {
    case unet, textEncoder = "text encoder"
}

/// One low-rank update of a layer: delta W = scale * up x down. down is [rank, in] or, for a convolution,
/// [rank, in, kh, kw] (a convolution like the layer's, to `rank` channels); up is [out, rank] or
/// [out, rank, 1, 1]. So up x down has the layer's weight layout [out, in * kh * kw].
public struct LoRAModule: Sendable {
    public let component: LoRAComponent
    /// The layer as the file names it: a dotted diffusers module path ("down_blocks.0.attentions.0.proj_in",
    /// "encoder.layers.0.self_attn.q_proj"), or for kohya files that path with every '.' written as '_'.
    public let module: String
    public let underscored: Bool
    public let downKey: String, upKey: String
    public let downShape: [Int], upShape: [Int]
    /// alpha / rank (the kohya and PEFT scaling); 1 when the file gives no alpha.
    public let scale: Float

    public var rank: Int { downShape[0] }
    public var outFeatures: Int { upShape[0] }
    public var inFeatures: Int { downShape.dropFirst().reduce(1, *) }
}

/// A LoRA .safetensors file in one of the layouts that are in use for SD1/SD2:
/// - kohya / AUTOMATIC1111: `lora_unet_<module, dots as _>.lora_down.weight`, `.lora_up.weight`, `.alpha`;
///   `lora_te_text_model_encoder_layers_0_self_attn_q_proj...` for the text encoder.
/// - diffusers / PEFT (`save_lora_weights`): `unet.<module>.lora_A.weight` / `.lora_B.weight`,
///   `text_encoder.<module>...`; alpha from the `lora_adapter_metadata` JSON (or `.alpha` tensors), else
///   alpha = rank.
/// - older diffusers: `unet.<block>.attn1.processor.to_q_lora.down.weight` / `.up.weight`,
///   `text_encoder.<module>.lora_linear_layer.down.weight`, `.lora.down.weight`.
/// Weights stay in the mapped file until a merge reads them.
public final class LoRAFile: @unchecked Sendable {
    public enum Layout: String, Sendable {
        case kohya = "kohya", peft = "diffusers/PEFT", diffusersLegacy = "diffusers (attention processors)"
    }

    public let path: String
    public let layout: Layout
    public let modules: [LoRAModule]
    let file: SafeTensorsFile

    public convenience init(path: String) throws {
        try self.init(file: SafeTensorsFile(path: path))
    }

    public init(file: SafeTensorsFile) throws {
        self.file = file
        path = file.path
        let names = file.tensorNames
        guard !names.isEmpty else { throw CheckpointError.corrupt("\(file.path): the LoRA file holds no tensors") }
        if let other = names.first(where: Self.isOtherAdapterKind) {
            throw CheckpointError.unsupported("\(file.path) is not a plain LoRA (tensor \(other)): LoHa, LoKr, DoRA, "
                + "OFT and full-difference networks are not supported, only low-rank up/down pairs")
        }
        var stems: [String: (down: String?, up: String?, alpha: String?)] = [:]
        var firstLayout: Layout?
        for name in names {
            guard let (stem, role, layout) = Self.split(name) else {
                throw CheckpointError.unsupported("\(file.path): tensor '\(name)' is not part of an SD1/SD2 LoRA in a known layout")
            }
            if role != "alpha", firstLayout == nil { firstLayout = layout }
            var entry = stems[stem] ?? (nil, nil, nil)
            switch role {
            case "down": entry.down = name
            case "up": entry.up = name
            default: entry.alpha = name
            }
            stems[stem] = entry
        }
        let peftMeta = PEFTMetadata(file.metadata["lora_adapter_metadata"])
        var modules: [LoRAModule] = []
        for (stem, entry) in stems.sorted(by: { $0.key < $1.key }) {
            guard let down = entry.down, let up = entry.up else {
                if entry.down == nil && entry.up == nil { continue }  // an alpha alone (some tools keep them)
                throw CheckpointError.corrupt("\(file.path): LoRA module \(stem) has a \(entry.down == nil ? "up" : "down") weight but no \(entry.down == nil ? "down" : "up") weight")
            }
            let (component, module, underscored) = try Self.target(stem, path: file.path)
            let ds = file.shape(of: down)!, us = file.shape(of: up)!
            guard (ds.count == 2 || ds.count == 4), (us.count == 2 || (us.count == 4 && us[2] == 1 && us[3] == 1)),
                  ds[0] >= 1, us[1] == ds[0], ds.allSatisfy({ $0 >= 1 }), us[0] >= 1 else {
                throw CheckpointError.corrupt("\(file.path): LoRA module \(stem): down \(ds) and up \(us) do not make a low-rank pair")
            }
            let rank = Float(ds[0])
            var alpha: Float? = nil
            if let a = entry.alpha {
                let values = try file.readFloats(a)
                guard values.count == 1, values[0].isFinite else { throw CheckpointError.corrupt("\(file.path): \(a) is not one finite number") }
                alpha = values[0]
            }
            let normalized = underscored ? module : Self.dottedName(module, component: component)
            var scale = (alpha ?? rank) / rank
            if alpha == nil, let meta = peftMeta.scale(component: component, module: normalized, rank: rank) { scale = meta }
            modules.append(LoRAModule(component: component, module: normalized, underscored: underscored,
                                      downKey: down, upKey: up, downShape: ds, upShape: us, scale: scale))
        }
        guard !modules.isEmpty else { throw CheckpointError.corrupt("\(file.path): no LoRA up/down weight pairs") }
        self.modules = modules
        layout = firstLayout ?? .kohya
    }

    /// down as Float32, [rank, in * kh * kw] row-major.
    public func down(_ m: LoRAModule) throws -> [Float] { try finite(file.readFloats(m.downKey), m.downKey) }
    /// up as Float32, [out, rank] row-major.
    public func up(_ m: LoRAModule) throws -> [Float] { try finite(file.readFloats(m.upKey), m.upKey) }

    private func finite(_ v: [Float], _ key: String) throws -> [Float] {
        guard v.allSatisfy({ $0.isFinite }) else { throw CheckpointError.corrupt("\(path): \(key) holds non-finite values") }
        return v
    }

    // MARK: key names

    static func isOtherAdapterKind(_ name: String) -> Bool {
        ["hada_w", "lokr_w", "lokr_t", ".lora_mid.", "dora_scale", "lora_magnitude_vector", "oft_", ".lora_B.bias"]
            .contains { name.contains($0) } || name.hasSuffix(".diff") || name.hasSuffix(".diff_b")
    }

    /// (stem, "down"/"up"/"alpha", layout) of a tensor name; nil when it is no LoRA tensor we know.
    static func split(_ name: String) -> (String, String, Layout)? {
        let suffixes: [(String, String, Layout)] = [
            (".lora_down.weight", "down", .kohya), (".lora_up.weight", "up", .kohya),
            (".lora_A.weight", "down", .peft), (".lora_B.weight", "up", .peft),
            (".lora_linear_layer.down.weight", "down", .diffusersLegacy), (".lora_linear_layer.up.weight", "up", .diffusersLegacy),
            (".lora.down.weight", "down", .diffusersLegacy), (".lora.up.weight", "up", .diffusersLegacy),
            ("_lora.down.weight", "down", .diffusersLegacy), ("_lora.up.weight", "up", .diffusersLegacy),
            (".alpha", "alpha", .kohya),
        ]
        for (suffix, role, layout) in suffixes where name.hasSuffix(suffix) {
            var stem = String(name.dropLast(suffix.count))
            if suffix.hasPrefix("_lora.") { stem += "_lora" }  // processor style: "...attn1.processor.to_q_lora"
            guard !stem.isEmpty else { return nil }
            return (stem, role, layout)
        }
        return nil
    }

    /// The component and module a stem names.
    static func target(_ stem: String, path: String) throws -> (LoRAComponent, String, Bool) {
        let prefixes: [(String, LoRAComponent, Bool)] = [
            ("lora_unet_", .unet, true), ("lora_te_", .textEncoder, true),
            ("unet.", .unet, false), ("text_encoder.", .textEncoder, false),
        ]
        for (prefix, component, underscored) in prefixes where stem.hasPrefix(prefix) {
            let rest = String(stem.dropFirst(prefix.count))
            if !rest.isEmpty && !(underscored && rest.contains(".")) { return (component, rest, underscored) }
        }
        throw CheckpointError.unsupported("\(path): LoRA module '\(stem)' is not for an SD1/SD2 UNet or text encoder "
            + "(SDXL's lora_te1_/lora_te2_ and other models' LoRAs do not apply)")
    }

    /// Older diffusers names to module paths: "attn1.processor.to_q_lora" -> "attn1.to_q",
    /// "to_out_lora" -> "to_out.0"; in the text encoder "self_attn.to_q" -> "self_attn.q_proj".
    static func dottedName(_ module: String, component: LoRAComponent) -> String {
        var parts = module.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts.removeAll { $0 == "processor" }
        if var last = parts.last, last.hasSuffix("_lora") {
            last.removeLast("_lora".count)
            parts[parts.count - 1] = last
            if last == "to_out" { parts.append("0") }
        }
        var name = parts.joined(separator: ".")
        if component == .textEncoder {
            for (old, new) in [("self_attn.to_q", "self_attn.q_proj"), ("self_attn.to_k", "self_attn.k_proj"),
                               ("self_attn.to_v", "self_attn.v_proj"), ("self_attn.to_out.0", "self_attn.out_proj")]
            where name.hasSuffix(old) {
                name = String(name.dropLast(old.count)) + new
            }
        }
        return name
    }
}

/// diffusers' `lora_adapter_metadata`: PEFT LoraConfig fields per component ("unet.lora_alpha",
/// "unet.alpha_pattern", "unet.use_rslora", "text_encoder.lora_alpha", ...).
struct PEFTMetadata {
    var values: [String: Any] = [:]

    init(_ json: String?) {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        values = object
    }

    /// alpha / rank (or alpha / sqrt(rank) with rsLoRA) for a module, when the metadata gives an alpha.
    func scale(component: LoRAComponent, module: String, rank: Float) -> Float? {
        let prefix = component == .unet ? "unet." : "text_encoder."
        var alpha = number(values[prefix + "lora_alpha"])
        if let patterns = values[prefix + "alpha_pattern"] as? [String: Any] {
            // PEFT matches a pattern against the end of the module path
            for (pattern, value) in patterns where module == pattern || module.hasSuffix("." + pattern) {
                alpha = number(value) ?? alpha
            }
        }
        guard let alpha else { return nil }
        let rslora = (values[prefix + "use_rslora"] as? Bool) ?? false
        return alpha / (rslora ? rank.squareRoot() : rank)
    }

    private func number(_ v: Any?) -> Float? {
        if let n = v as? NSNumber { return n.floatValue }
        if let s = v as? String { return Float(s) }
        return nil
    }
}
