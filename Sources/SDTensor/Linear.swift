import SDKernels
import SDKernelsC

/// y = x W^T + b over the last dimension (torch.nn.Linear). Weight [out, in].
public final class Linear: @unchecked Sendable {
    public let weight: WeightMatrix
    public let bias: Tensor?
    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }

    public init(weight: WeightMatrix, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    public convenience init(weight: Tensor, bias: Tensor?) {
        let rows = weight.shape[0]
        self.init(weight: WeightMatrix(rows: rows, cols: weight.count / rows, float32: weight), bias: bias)
    }

    /// x: [..., in] -> [..., out]
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let rows = x.count / inFeatures
        precondition(rows * inFeatures == x.count, "Linear: input \(x.shape) vs in \(inFeatures)")
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        let y = Tensor(shape)
        widenedProduct(x.data, rows: rows, into: y.data, accumulate: false)
        return y
    }

    /// r += x W^T + b (a residual connection): the product adds into r (sgemm with beta 1), so there is
    /// neither a separate sum nor a zeroed output.
    public func callAsFunction(_ x: Tensor, addingTo r: Tensor) {
        let rows = x.count / inFeatures
        precondition(rows * inFeatures == x.count && r.count == rows * outFeatures,
                     "Linear: input \(x.shape), residual \(r.shape) vs \(inFeatures) -> \(outFeatures)")
        widenedProduct(x.data, rows: rows, into: r.data, accumulate: true)
    }

    /// The product with the weights as Float32 for this call (their widening timed for the profile).
    private func widenedProduct(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        OpProfile.measure("linear") {
            let t0 = OpProfile.enabled ? OpProfile.seconds() : 0
            weight.withFloat32 { w in
                if OpProfile.enabled { OpProfile.add("linear widen", OpProfile.seconds() - t0) }
                product(x, rows: rows, weights: w, into: y, accumulate: accumulate)
            }
        }
    }

    /// y[rows, out] = x[rows, in] W^T + b (accumulate: y += ...) with the weights already as Float32
    /// (`w`, from weight.withFloat32): for callers that run one layer over a tensor's rows in chunks.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, weights w: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                      accumulate: Bool = false) {
        OpProfile.measure("linear") { product(x, rows: rows, weights: w, into: y, accumulate: accumulate) }
    }

    private func product(_ x: UnsafePointer<Float>, rows: Int, weights w: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                         accumulate: Bool = false) {
        FLOPCount.add(2 * rows * inFeatures * outFeatures)
        // A fresh output starts as the bias rows and the product adds into it (beta 1): that one pass
        // replaces both sgemm's zeroing of C (beta 0) and a bias pass after it.
        let biasFirst = bias != nil && !accumulate
        if biasFirst, let bias { Ops.fillRows(y, with: bias.data, rows: rows, cols: outFeatures) }
        OpProfile.measure("linear gemm") {
            BLAS.gemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: x, b: w,
                      beta: accumulate || biasFirst ? 1 : 0, c: y)
        }
        if !biasFirst, let bias { sdk_add_row_bias(y, bias.data, rows, outFeatures) }
    }
}
