import SDCheckpoint
import SDTensor

/// Reads named weights from a WeightSource into Tensors and builds the basic modules from them.
/// `prefix` is prepended to every name, so sub-blocks can be written with their local names.
struct Weights {
    let source: any WeightSource
    let prefix: String

    init(_ source: any WeightSource, prefix: String = "") {
        self.source = source
        self.prefix = prefix
    }

    func scoped(_ sub: String) -> Weights { Weights(source, prefix: prefix + sub + ".") }

    func has(_ name: String) -> Bool { source.has(prefix + name) }

    func shape(_ name: String) throws -> [Int] {
        guard let s = source.shape(of: prefix + name) else { throw ModelError.missingWeight(prefix + name) }
        return s
    }

    /// The tensor with the file's shape, or with `shape` when given (element counts must agree).
    func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        let fileShape = try self.shape(name)
        let t = Tensor(shape ?? fileShape)
        guard t.count == fileShape.reduce(1, *) else {
            throw ModelError.shapeMismatch(prefix + name, expected: shape ?? [], found: fileShape)
        }
        try source.read(prefix + name, into: t.buffer)
        return t
    }

    /// A weight matrix [shape[0], rest], half precision when the file stores F16, else Float32.
    func matrix(_ name: String) throws -> WeightMatrix {
        let fileShape = try shape(name)
        let rows = fileShape.first ?? 1, cols = fileShape.dropFirst().reduce(1, *)
        let m: WeightMatrix
        if let mapped = try source.mappedHalf(prefix + name) {  // fp16 in the file: used in place
            m = WeightMatrix(rows: rows, cols: cols, mappedHalves: mapped.values, owner: mapped.owner)
        } else {
            m = try WeightMatrix(rows: rows, cols: cols, halfFill: { try source.readHalf(prefix + name, into: $0) })
                ?? WeightMatrix(rows: rows, cols: cols, float32: try tensor(name))
        }
        MatrixRegistry.current?.add(prefix + name, m)  // what a LoRA can name (see MatrixRegistry)
        return m
    }

    func linear(_ name: String, bias: Bool = true) throws -> Linear {
        Linear(weight: try matrix(name + ".weight"), bias: bias ? try tensor(name + ".bias") : nil)
    }

    func conv(_ name: String, stride: Int = 1, padding: Int? = nil,
              asymmetricPadding: (Int, Int, Int, Int)? = nil) throws -> Conv2d {
        let s = try shape(name + ".weight")
        let kernel = s.count == 4 ? s[3] : 1  // a 1x1 conv may be stored as a linear weight
        return Conv2d(weight: try matrix(name + ".weight"), kernel: kernel, bias: try tensor(name + ".bias"),
                      stride: stride, padding: padding, asymmetricPadding: asymmetricPadding)
    }

    func groupNorm(_ name: String, groups: Int, eps: Float) throws -> GroupNorm {
        GroupNorm(groups: groups, eps: eps, gamma: try tensor(name + ".weight"), beta: try tensor(name + ".bias"))
    }

    func layerNorm(_ name: String, eps: Float) throws -> LayerNorm {
        LayerNorm(eps: eps, gamma: try tensor(name + ".weight"), beta: try tensor(name + ".bias"))
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case missingWeight(String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    case badInput(String)

    public var description: String {
        switch self {
        case .missingWeight(let n): return "missing weight '\(n)'"
        case .shapeMismatch(let n, let e, let f): return "weight '\(n)' has shape \(f), expected \(e)"
        case .badInput(let m): return m
        }
    }
}
