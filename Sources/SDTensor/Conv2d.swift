import SDKernels
import SDKernelsC

/// 2-D convolution (torch.nn.Conv2d, groups 1) by im2col + GEMM. Weight [out, in * kh * kw].
public final class Conv2d: @unchecked Sendable {
    public let weight: WeightMatrix
    public let bias: Tensor?
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int
    /// Padding per side: (top, left, bottom, right).
    public let padding: (Int, Int, Int, Int)

    /// weight: [out, in * kernel * kernel] (torch's [out, in, kh, kw] flattened).
    public init(weight: WeightMatrix, kernel k: Int, bias: Tensor?, stride: Int = 1, padding: Int? = nil,
                asymmetricPadding: (Int, Int, Int, Int)? = nil) {
        outChannels = weight.rows
        kernel = k
        inChannels = weight.cols / (k * k)
        self.weight = weight
        self.bias = bias
        self.stride = stride
        let p = padding ?? k / 2
        self.padding = asymmetricPadding ?? (p, p, p, p)
    }

    public func outputSize(height: Int, width: Int) -> (Int, Int) {
        let h = (height + padding.0 + padding.2 - kernel) / stride + 1
        let w = (width + padding.1 + padding.3 - kernel) / stride + 1
        return (h, w)
    }

    /// im2col buffer limit: larger convolutions are done in bands of output rows, so a 3x3
    /// convolution over 128 channels at 512x512 (a 1.2 GB im2col matrix) needs 64 MB at a time.
    public static var maxColumnBytes = 64 << 20

    /// x: [N, inC, H, W] -> [N, outC, H', W']
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        precondition(x.shape[1] == inChannels, "Conv2d: input \(x.shape) vs in \(inChannels)")
        let (oh, ow) = outputSize(height: h, width: w)
        let y = Tensor([n, outChannels, oh, ow])
        let kdim = inChannels * kernel * kernel, plane = oh * ow
        let direct = kernel == 1 && stride == 1 && padding == (0, 0, 0, 0)
        let bandRows = max(1, min(oh, Self.maxColumnBytes / max(1, kdim * ow * 4)))
        let col: UnsafeMutablePointer<Float>? = direct ? nil : .allocate(capacity: kdim * bandRows * ow)
        defer { col?.deallocate() }
        weight.withFloat32 { wt in
            for i in 0..<n {
                let xi = x.data + i * inChannels * h * w
                let yi = y.data + i * outChannels * plane
                if let col {
                    var y0 = 0
                    while y0 < oh {
                        let rows = min(bandRows, oh - y0)
                        im2col(xi, h, w, y0, rows, ow, col)
                        // the band's outputs are columns [y0*ow, (y0+rows)*ow) of the [outC, plane] result
                        BLAS.gemm(m: outChannels, n: rows * ow, k: kdim, a: wt, b: col, ldb: rows * ow,
                                  c: yi + y0 * ow, ldc: plane)
                        y0 += rows
                    }
                } else {
                    BLAS.gemm(m: outChannels, n: plane, k: kdim, a: wt, b: xi, c: yi)
                }
                if let bias { sdk_add_channel_bias(yi, bias.data, outChannels, plane) }
            }
        }
        return y
    }

    /// im2col of output rows [y0, y0 + rows), split by channel ranges across threads.
    private func im2col(_ x: UnsafeMutablePointer<Float>, _ h: Int, _ w: Int, _ y0: Int, _ rows: Int, _ ow: Int,
                        _ col: UnsafeMutablePointer<Float>) {
        let perChannel = kernel * kernel * rows * ow
        Parallel.chunks(inChannels, minChunk: max(1, 65_536 / max(1, perChannel))) { s, e in
            sdk_im2col(x + s * h * w, e - s, h, w, kernel, kernel, stride, padding.0, padding.1,
                       y0, rows, ow, col + s * perChannel)
        }
    }
}
