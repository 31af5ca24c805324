import SDTensor

/// diffusers `Attention`: project to q/k/v, attend (self or to a context), project out.
final class CrossAttention: @unchecked Sendable {
    let toQ: Linear, toK: Linear, toV: Linear, toOut: Linear
    let heads: Int

    init(_ w: Weights, heads: Int, qkvBias: Bool) throws {
        toQ = try w.linear("to_q", bias: qkvBias)
        toK = try w.linear("to_k", bias: qkvBias)
        toV = try w.linear("to_v", bias: qkvBias)
        toOut = try w.linear("to_out.0")
        self.heads = heads
    }

    /// x: [B, T, C]; context: [B, S, Cc] (nil: self-attention) -> [B, T, C]
    func callAsFunction(_ x: Tensor, context: Tensor? = nil) -> Tensor {
        toOut(attend(x, context: context))
    }

    /// residual += self(x, context): the output projection adds into the residual stream.
    func callAsFunction(_ x: Tensor, context: Tensor? = nil, addingTo residual: Tensor) {
        toOut(attend(x, context: context), addingTo: residual)
    }

    private func attend(_ x: Tensor, context: Tensor?) -> Tensor {
        let ctx = context ?? x
        return ScaledDotProductAttention.compute(q: toQ(x), k: toK(ctx), v: toV(ctx), heads: heads)
    }
}
