import SDCheckpoint
import SDTensor

/// NaN or Inf in a generation's latents or decoded image means the model's weights hold NaN/Inf
/// (or overflow the float range): the run fails with a corrupt-model error instead of returning a
/// black or white picture (or trapping when the pixels are converted to bytes). Checking the two
/// outputs costs one pass over a few MB per image; scanning every weight at load would cost a pass
/// over the whole checkpoint, and still miss overflows that only happen in the computation.
enum NonFiniteCheck {
    static func outputs(latents: Tensor, image: Tensor) throws {
        for (what, t) in [("latents", latents), ("decoded image", image)] {
            let p = t.data
            for i in 0..<t.count where !p[i].isFinite {
                throw CheckpointError.corrupt("the model produced values that are not finite (\(p[i]) in the \(what)): "
                                              + "its weights hold NaN or Inf, or overflow in float32")
            }
        }
    }
}
