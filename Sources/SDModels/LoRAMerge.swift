import SDCheckpoint
import SDKernels
import SDTensor

/// A model's weight matrices by module name, for finding the layers LoRA modules name.
public struct LoRATargets: Sendable {
    let unet: [String: WeightMatrix], text: [String: WeightMatrix]
    /// kohya names ("down_blocks_0_attentions_0_proj_in") -> module names
    let unetUnderscored: [String: String], textUnderscored: [String: String]

    public init(unet: [String: WeightMatrix], text: [String: WeightMatrix]) {
        self.unet = unet
        self.text = text
        func underscored(_ names: Dictionary<String, WeightMatrix>.Keys) -> [String: String] {
            Dictionary(names.map { ($0.replacingOccurrences(of: ".", with: "_"), $0) }, uniquingKeysWith: { a, _ in a })
        }
        unetUnderscored = underscored(unet.keys)
        textUnderscored = underscored(text.keys)
    }

    /// The layer a module changes, by its model name ("text_model.encoder.layers.0.self_attn.q_proj").
    /// Text encoder modules may leave out the "text_model." of the classic CLIPTextModel names.
    public func resolve(_ m: LoRAModule) -> (name: String, matrix: WeightMatrix)? {
        let (matrices, underscored) = m.component == .unet ? (unet, unetUnderscored) : (text, textUnderscored)
        let candidates = m.component == .unet ? [m.module] : [m.module, "text_model" + (m.underscored ? "_" : ".") + m.module]
        for c in candidates {
            if let name = m.underscored ? underscored[c] : c, let matrix = matrices[name] { return (name, matrix) }
        }
        return nil
    }

    /// A layer's weight matrix by model name.
    public func matrix(named name: String) -> WeightMatrix? { unet[name] ?? text[name] }
}

/// One LoRA file applied with a strength for the UNet and one for the text encoder.
public struct LoRAApplication: Sendable {
    public let file: LoRAFile
    public let unetWeight: Float, textWeight: Float
    public init(file: LoRAFile, unetWeight: Float, textWeight: Float) {
        self.file = file; self.unetWeight = unetWeight; self.textWeight = textWeight
    }
}

/// Merges LoRAs into Float32 copies of the layers they change: W' = W + sum_i weight_i * scale_i * up_i x down_i.
/// The stored weights are only read; the result is an overlay that a generation runs under.
public enum LoRAMerge {
    /// nil when nothing changes (no LoRAs, or all at weight 0).
    public static func overlay(_ applications: [LoRAApplication], targets: LoRATargets) throws -> WeightOverlay? {
        var updates: [ObjectIdentifier: (matrix: WeightMatrix, terms: [(LoRAFile, LoRAModule, Float)])] = [:]
        var order: [ObjectIdentifier] = []
        for a in applications {
            var missing: [LoRAModule] = []
            for m in a.file.modules {
                guard let hit = targets.resolve(m) else { missing.append(m); continue }
                let (name, matrix) = hit
                guard m.outFeatures == matrix.rows && m.inFeatures == matrix.cols else {
                    throw CheckpointError.unsupported("LoRA \(a.file.path): module \(m.module) is \(m.outFeatures)x\(m.inFeatures) "
                        + "(down \(m.downShape), up \(m.upShape)) but layer \(name) is \(matrix.rows)x\(matrix.cols): the LoRA is for another model")
                }
                let weight = m.component == .unet ? a.unetWeight : a.textWeight
                guard weight != 0 else { continue }
                let id = ObjectIdentifier(matrix)
                if updates[id] == nil { updates[id] = (matrix, []); order.append(id) }
                updates[id]!.terms.append((a.file, m, weight))
            }
            if !missing.isEmpty {
                let first = missing[0]
                throw CheckpointError.unsupported("LoRA \(a.file.path): \(missing.count) of \(a.file.modules.count) modules name "
                    + "\(first.component.rawValue) layers this model does not have (first: \(first.module)); is it for another model family?")
            }
        }
        guard !order.isEmpty else { return nil }
        let overlay = WeightOverlay()
        for id in order {
            let (matrix, terms) = updates[id]!
            let merged = UnsafeMutablePointer<Float>.allocate(capacity: matrix.count)
            matrix.withStoredFloat32 { merged.update(from: $0, count: matrix.count) }
            do {
                for (file, m, weight) in terms {
                    let down = try file.down(m), up = try file.up(m)
                    BLAS.gemm(m: matrix.rows, n: matrix.cols, k: m.rank, alpha: weight * m.scale, a: up, b: down,
                              beta: 1, c: merged)
                }
            } catch {
                merged.deallocate()
                throw error
            }
            guard (0..<matrix.count).allSatisfy({ merged[$0].isFinite }) else {
                merged.deallocate()
                throw CheckpointError.corrupt("LoRA merge gave non-finite weights (weights too large?)")
            }
            overlay.set(matrix, values: merged)
        }
        return overlay
    }
}
