// The parameters (diffusers names and shapes) that diffusers' UNet2DConditionModel, AutoencoderKL
// and transformers' CLIPTextModel have for a given config. A checkpoint is validated against
// these lists at load time, so a model never meets a missing or mis-sized weight later.
// A 1x1 convolution and a linear layer are interchangeable here: checks compare element counts.

public struct ExpectedTensor: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public var elementCount: Int { shape.reduce(1, *) }
}

public func expectedNames(for config: UNetConfig) -> [String] { expectedTensors(for: config).map(\.name) }
public func expectedNames(for config: VAEConfig) -> [String] { expectedTensors(for: config).map(\.name) }
public func expectedNames(for config: CLIPTextConfig) -> [String] { expectedTensors(for: config).map(\.name) }

public func expectedTensors(for config: CLIPTextConfig) -> [ExpectedTensor] {
    var list = TensorList()
    let h = config.hiddenSize, inner = config.intermediateSize
    list.add("text_model.embeddings.token_embedding.weight", [config.vocabSize, h])
    list.add("text_model.embeddings.position_embedding.weight", [config.maxPositions, h])
    for layer in 0..<config.numLayers {
        let p = "text_model.encoder.layers.\(layer)."
        for projection in ["q_proj", "k_proj", "v_proj", "out_proj"] {
            list.linear(p + "self_attn." + projection, out: h, in: h)
        }
        list.norm(p + "layer_norm1", h)
        list.linear(p + "mlp.fc1", out: inner, in: h)
        list.linear(p + "mlp.fc2", out: h, in: inner)
        list.norm(p + "layer_norm2", h)
    }
    list.norm("text_model.final_layer_norm", h)
    return list.tensors
}

public func expectedTensors(for config: UNetConfig) -> [ExpectedTensor] {
    var list = TensorList()
    let channels = config.blockOutChannels, levels = channels.count
    let timeDim = channels[0] * 4
    func resnet(_ p: String, _ inputs: Int, _ outputs: Int) {
        list.norm(p + ".norm1", inputs)
        list.conv(p + ".conv1", out: outputs, in: inputs, kernel: 3)
        list.linear(p + ".time_emb_proj", out: outputs, in: timeDim)
        list.norm(p + ".norm2", outputs)
        list.conv(p + ".conv2", out: outputs, in: outputs, kernel: 3)
        if inputs != outputs { list.conv(p + ".conv_shortcut", out: outputs, in: inputs, kernel: 1) }
    }
    func transformer(_ p: String, _ c: Int) {
        let projection = config.useLinearProjection ? [c, c] : [c, c, 1, 1]
        list.norm(p + ".norm", c)
        list.add(p + ".proj_in.weight", projection)
        list.add(p + ".proj_in.bias", [c])
        for block in 0..<config.transformerLayersPerBlock {
            let b = p + ".transformer_blocks.\(block)"
            for (attention, contextDim) in [("attn1", c), ("attn2", config.crossAttentionDim)] {
                list.norm(b + (attention == "attn1" ? ".norm1" : ".norm2"), c)
                list.add(b + ".\(attention).to_q.weight", [c, c])
                list.add(b + ".\(attention).to_k.weight", [c, contextDim])
                list.add(b + ".\(attention).to_v.weight", [c, contextDim])
                list.linear(b + ".\(attention).to_out.0", out: c, in: c)
            }
            list.norm(b + ".norm3", c)
            list.linear(b + ".ff.net.0.proj", out: 8 * c, in: c)   // GEGLU: value and gate halves
            list.linear(b + ".ff.net.2", out: c, in: 4 * c)
        }
        list.add(p + ".proj_out.weight", projection)
        list.add(p + ".proj_out.bias", [c])
    }

    list.conv("conv_in", out: channels[0], in: config.inChannels, kernel: 3)
    list.linear("time_embedding.linear_1", out: timeDim, in: channels[0])
    list.linear("time_embedding.linear_2", out: timeDim, in: timeDim)
    var output = channels[0]
    for level in 0..<levels {
        let input = output
        output = channels[level]
        for layer in 0..<config.layersPerBlock {
            resnet("down_blocks.\(level).resnets.\(layer)", layer == 0 ? input : output, output)
            if config.downBlockHasAttention[level] { transformer("down_blocks.\(level).attentions.\(layer)", output) }
        }
        if level < levels - 1 { list.conv("down_blocks.\(level).downsamplers.0.conv", out: output, in: output, kernel: 3) }
    }
    let last = channels[levels - 1]
    resnet("mid_block.resnets.0", last, last)
    transformer("mid_block.attentions.0", last)
    resnet("mid_block.resnets.1", last, last)
    let reversed = Array(channels.reversed()), reversedAttention = Array(config.downBlockHasAttention.reversed())
    output = reversed[0]
    for level in 0..<levels {
        let previous = output
        output = reversed[level]
        let input = reversed[min(level + 1, levels - 1)]
        for layer in 0...config.layersPerBlock {
            let skip = layer == config.layersPerBlock ? input : output
            resnet("up_blocks.\(level).resnets.\(layer)", (layer == 0 ? previous : output) + skip, output)
            if reversedAttention[level] { transformer("up_blocks.\(level).attentions.\(layer)", output) }
        }
        if level < levels - 1 { list.conv("up_blocks.\(level).upsamplers.0.conv", out: output, in: output, kernel: 3) }
    }
    list.norm("conv_norm_out", channels[0])
    list.conv("conv_out", out: config.outChannels, in: channels[0], kernel: 3)
    return list.tensors
}

public func expectedTensors(for config: VAEConfig) -> [ExpectedTensor] {
    var list = TensorList()
    let channels = config.blockOutChannels, levels = channels.count, latent = config.latentChannels
    let last = channels[levels - 1]
    func resnet(_ p: String, _ inputs: Int, _ outputs: Int) {
        list.norm(p + ".norm1", inputs)
        list.conv(p + ".conv1", out: outputs, in: inputs, kernel: 3)
        list.norm(p + ".norm2", outputs)
        list.conv(p + ".conv2", out: outputs, in: outputs, kernel: 3)
        if inputs != outputs { list.conv(p + ".conv_shortcut", out: outputs, in: inputs, kernel: 1) }
    }
    func midBlock(_ p: String) {
        resnet(p + ".mid_block.resnets.0", last, last)
        let a = p + ".mid_block.attentions.0"
        list.norm(a + ".group_norm", last)
        for projection in ["to_q", "to_k", "to_v", "to_out.0"] { list.linear(a + "." + projection, out: last, in: last) }
        resnet(p + ".mid_block.resnets.1", last, last)
    }

    list.conv("encoder.conv_in", out: channels[0], in: config.inChannels, kernel: 3)
    var output = channels[0]
    for level in 0..<levels {
        let input = output
        output = channels[level]
        for layer in 0..<config.layersPerBlock {
            resnet("encoder.down_blocks.\(level).resnets.\(layer)", layer == 0 ? input : output, output)
        }
        if level < levels - 1 {
            list.conv("encoder.down_blocks.\(level).downsamplers.0.conv", out: output, in: output, kernel: 3)
        }
    }
    midBlock("encoder")
    list.norm("encoder.conv_norm_out", last)
    list.conv("encoder.conv_out", out: 2 * latent, in: last, kernel: 3)

    list.conv("decoder.conv_in", out: last, in: latent, kernel: 3)
    midBlock("decoder")
    let reversed = Array(channels.reversed())
    output = reversed[0]
    for level in 0..<levels {
        let previous = output
        output = reversed[level]
        for layer in 0...config.layersPerBlock {
            resnet("decoder.up_blocks.\(level).resnets.\(layer)", layer == 0 ? previous : output, output)
        }
        if level < levels - 1 {
            list.conv("decoder.up_blocks.\(level).upsamplers.0.conv", out: output, in: output, kernel: 3)
        }
    }
    list.norm("decoder.conv_norm_out", channels[0])
    list.conv("decoder.conv_out", out: config.outChannels, in: channels[0], kernel: 3)

    list.conv("quant_conv", out: 2 * latent, in: 2 * latent, kernel: 1)
    list.conv("post_quant_conv", out: latent, in: latent, kernel: 1)
    return list.tensors
}

/// Accumulates (name, shape) pairs for the usual layer kinds.
private struct TensorList {
    var tensors: [ExpectedTensor] = []
    mutating func add(_ name: String, _ shape: [Int]) { tensors.append(ExpectedTensor(name: name, shape: shape)) }
    mutating func linear(_ p: String, out: Int, in inputs: Int) {
        add(p + ".weight", [out, inputs]); add(p + ".bias", [out])
    }
    mutating func conv(_ p: String, out: Int, in inputs: Int, kernel: Int) {
        add(p + ".weight", [out, inputs, kernel, kernel]); add(p + ".bias", [out])
    }
    mutating func norm(_ p: String, _ channels: Int) { add(p + ".weight", [channels]); add(p + ".bias", [channels]) }
}
