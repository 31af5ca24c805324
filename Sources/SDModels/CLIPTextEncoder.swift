import SDCheckpoint
import SDKernels
import SDKernelsC
import SDTensor

/// CLIPTextModel: token + position embeddings, causal pre-norm transformer layers, final LayerNorm.
public final class CLIPTextEncoder: @unchecked Sendable {
    public let config: CLIPTextConfig

    struct Layer {
        let norm1: LayerNorm, q: Linear, k: Linear, v: Linear, out: Linear
        let norm2: LayerNorm, fc1: Linear, fc2: Linear
    }

    let tokenEmbedding: WeightMatrix  // [vocab, hidden]: fp16 in place when the file has it (38 M values in SD1)
    let positionEmbedding: Tensor  // [positions, hidden]
    let layers: [Layer]
    let finalNorm: LayerNorm

    public init(config: CLIPTextConfig, weights source: any WeightSource) throws {
        self.config = config
        let w = Weights(source, prefix: "text_model.")
        let eps = config.layerNormEps
        tokenEmbedding = try w.matrix("embeddings.token_embedding.weight")
        positionEmbedding = try w.tensor("embeddings.position_embedding.weight")
        layers = try (0..<config.numLayers).map { i in
            let l = w.scoped("encoder.layers.\(i)")
            return Layer(norm1: try l.layerNorm("layer_norm1", eps: eps),
                         q: try l.linear("self_attn.q_proj"), k: try l.linear("self_attn.k_proj"),
                         v: try l.linear("self_attn.v_proj"), out: try l.linear("self_attn.out_proj"),
                         norm2: try l.layerNorm("layer_norm2", eps: eps),
                         fc1: try l.linear("mlp.fc1"), fc2: try l.linear("mlp.fc2"))
        }
        finalNorm = try w.layerNorm("final_layer_norm", eps: eps)
    }

    /// ids: [B][T] token ids (T <= positions) -> hidden states [B, T, hidden] after the final norm.
    /// clipSkip 1 = all layers; 2 = stop one layer early (AUTOMATIC1111's "clip skip"), and so on.
    public func callAsFunction(_ ids: [[Int32]], clipSkip: Int = 1) throws -> Tensor {
        let b = ids.count, t = ids.first?.count ?? 0, hdim = config.hiddenSize
        let vocab = tokenEmbedding.rows
        guard b > 0, t > 0, t <= positionEmbedding.shape[0], ids.allSatisfy({ $0.count == t }) else {
            throw ModelError.badInput("text encoder: \(b) sequences of \(t) tokens (at most \(positionEmbedding.shape[0]))")
        }
        var x = Tensor([b, t, hdim])
        for (bi, seq) in ids.enumerated() {
            for (ti, id) in seq.enumerated() {
                guard id >= 0 && Int(id) < vocab else { throw ModelError.badInput("token id \(id) outside the vocabulary of \(vocab)") }
                let dst = x.data + (bi * t + ti) * hdim
                tokenEmbedding.withFloat32Rows(Int(id), 1) { dst.update(from: $0, count: hdim) }
                sdk_add(dst, positionEmbedding.data + ti * hdim, hdim)
            }
        }
        let run = max(1, layers.count - max(0, clipSkip - 1))
        for layer in layers.prefix(run) {
            let n1 = layer.norm1(x)
            let attn = ScaledDotProductAttention.compute(q: layer.q(n1), k: layer.k(n1), v: layer.v(n1),
                                                         heads: config.numHeads, causal: true)
            Ops.addInPlace(x, layer.out(attn))
            let hidden = layer.fc1(layer.norm2(x))
            switch config.activation {
            case .quickGELU: Ops.quickGELU(hidden)
            case .gelu: Ops.gelu(hidden)
            }
            Ops.addInPlace(x, layer.fc2(hidden))
        }
        x = finalNorm(x)
        return x
    }
}
