import SDKernels
import SDKernelsC

/// y = x W^T + b over the last dimension (torch.nn.Linear). Weight [out, in].
public final class Linear: @unchecked Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let inFeatures: Int
    public let outFeatures: Int

    public init(weight: Tensor, bias: Tensor?) {
        outFeatures = weight.shape[0]
        inFeatures = weight.count / outFeatures
        self.weight = weight
        self.bias = bias
    }

    /// x: [..., in] -> [..., out]
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let rows = x.count / inFeatures
        precondition(rows * inFeatures == x.count, "Linear: input \(x.shape) vs in \(inFeatures)")
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        let y = Tensor(shape)
        BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: x.data, b: weight.data, c: y.data)
        if let bias { sdk_add_row_bias(y.data, bias.data, rows, outFeatures) }
        return y
    }
}
