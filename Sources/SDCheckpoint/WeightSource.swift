// The one interface the models use to get their weights.
//
// Names are ALWAYS diffusers' parameter names of the component, without a component prefix:
//   text: "text_model.embeddings.token_embedding.weight", "text_model.encoder.layers.0.self_attn.q_proj.weight", ...
//   unet: "conv_in.weight", "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", ...
//   vae:  "encoder.conv_in.weight", "encoder.mid_block.attentions.0.to_q.weight", "quant_conv.weight", ...
// A single-file (original/ldm) checkpoint is mapped onto these names by the loader, so models
// never see which layout a file had.

public protocol WeightSource: Sendable {
    /// The shape as stored in the file, or nil when there is no such tensor.
    /// (A 1x1 convolution may be stored as [O, I, 1, 1] where a linear layer expects [O, I]:
    /// callers compare element counts, not ranks.)
    func shape(of name: String) -> [Int]?
    /// Copies the tensor, widened to Float32, into `destination`. Throws when the tensor is
    /// missing or its element count differs from `destination.count`.
    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws
    /// Copies the tensor's IEEE half bits unchanged when it is stored as F16 and returns true;
    /// returns false (copying nothing) for any other storage. Lets big matrices stay half size.
    func readHalf(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws -> Bool
    /// The tensor's IEEE half values where they lie in the file's memory map, when it is stored as F16
    /// at a 2-byte aligned place; nil otherwise (then readHalf or read copies it). Valid while `owner`
    /// (the mapped file) lives.
    func mappedHalf(_ name: String) throws -> MappedHalves?
}

/// Half-precision values inside a memory-mapped file, and the object that keeps the mapping alive.
public struct MappedHalves {
    public let values: UnsafePointer<UInt16>
    public let owner: AnyObject
}

extension WeightSource {
    public func readHalf(_ name: String, into destination: UnsafeMutableBufferPointer<UInt16>) throws -> Bool { false }
    public func mappedHalf(_ name: String) throws -> MappedHalves? { nil }
    public func has(_ name: String) -> Bool { shape(of: name) != nil }
    public func elementCount(of name: String) -> Int? { shape(of: name).map { $0.reduce(1, *) } }
}
