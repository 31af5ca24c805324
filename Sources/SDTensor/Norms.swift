import SDKernels
import SDKernelsC

/// torch.nn.GroupNorm over [N, C, H, W], optionally followed by SiLU (fused: one pass less).
public final class GroupNorm: @unchecked Sendable {
    public let groups: Int
    public let eps: Float
    public let gamma: Tensor, beta: Tensor

    public init(groups: Int, eps: Float, gamma: Tensor, beta: Tensor) {
        self.groups = groups; self.eps = eps; self.gamma = gamma; self.beta = beta
    }

    public func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
        OpProfile.measure(silu ? "groupnorm+silu" : "groupnorm") { normalize(x, silu: silu) }
    }

    func normalize(_ x: Tensor, silu: Bool) -> Tensor {
        let n = x.shape[0], c = x.shape[1], hw = x.count / (n * c)
        precondition(c == gamma.count && c % groups == 0, "GroupNorm: \(x.shape) groups \(groups)")
        let y = Tensor(x.shape)
        let per = c / groups
        // Parallel over (sample, group): each group is independent.
        Parallel.chunks(n * groups, minChunk: max(1, 32_768 / max(1, per * hw))) { s, e in
            for item in s..<e {
                let i = item / groups, g = item % groups
                let off = i * c * hw + g * per * hw
                sdk_group_norm(x.data + off, y.data + off, per, hw, 1, gamma.data + g * per,
                               beta.data + g * per, eps, silu ? 1 : 0)
            }
        }
        return y
    }
}

extension GroupNorm {
    /// The normalisation of x as a per-channel affine map, scale and shift [N, C] (normalised
    /// x[n, c] = scale[n, c] x[n, c] + shift[n, c]): what a convolution can apply while reading x.
    public func affine(_ x: Tensor) -> (scale: Tensor, shift: Tensor) {
        OpProfile.measure("groupnorm-stats") {
            let n = x.shape[0], c = x.shape[1], hw = x.count / (n * c), per = c / groups
            precondition(c == gamma.count && c % groups == 0, "GroupNorm: \(x.shape) groups \(groups)")
            let scale = Tensor([n, c]), shift = Tensor([n, c])
            Parallel.chunks(n * groups, minChunk: max(1, 32_768 / max(1, per * hw))) { s, e in
                for item in s..<e {
                    let i = item / groups, g = item % groups, ch = i * c + g * per
                    sdk_group_norm_affine(x.data + ch * hw, per, hw, 1, gamma.data + g * per, beta.data + g * per, eps,
                                          scale.data + ch, shift.data + ch)
                }
            }
            return (scale, shift)
        }
    }
}

/// torch.nn.LayerNorm over the last dimension.
public final class LayerNorm: @unchecked Sendable {
    public let eps: Float
    public let gamma: Tensor, beta: Tensor

    public init(eps: Float, gamma: Tensor, beta: Tensor) {
        self.eps = eps; self.gamma = gamma; self.beta = beta
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        OpProfile.measure("layernorm") { normalize(x) }
    }

    func normalize(_ x: Tensor) -> Tensor {
        let cols = gamma.count, rows = x.count / cols
        let y = Tensor(x.shape)
        Parallel.chunks(rows, minChunk: max(1, 16_384 / cols)) { s, e in
            sdk_layer_norm(x.data + s * cols, y.data + s * cols, e - s, cols, gamma.data, beta.data, eps)
        }
        return y
    }
}
