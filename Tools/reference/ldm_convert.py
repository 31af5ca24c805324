"""diffusers parameter names -> original (CompVis "ldm") single-file names.

This is the exact inverse of diffusers' loaders/single_file_utils.py (convert_ldm_unet_checkpoint,
convert_ldm_vae_checkpoint, convert_ldm_clip_checkpoint, convert_open_clip_checkpoint); make_fixtures.py
checks it by running those functions on the result and comparing every tensor. Rules, with
L = layers_per_block and B = number of blocks (len(block_out_channels)):

UNet, prefix "model.diffusion_model.":
  time_embedding.linear_1 / linear_2      time_embed.0 / time_embed.2
  conv_in                                  input_blocks.0.0
  conv_norm_out / conv_out                 out.0 / out.2
  down_blocks.b.resnets.l                  input_blocks.{1 + b*(L+1) + l}.0
  down_blocks.b.attentions.l               input_blocks.{1 + b*(L+1) + l}.1
  down_blocks.b.downsamplers.0.conv        input_blocks.{1 + b*(L+1) + L}.0.op      (b < B-1)
  mid_block.resnets.0 / attentions.0 / resnets.1      middle_block.0 / .1 / .2
  up_blocks.b.resnets.l                    output_blocks.{b*(L+1) + l}.0            (l = 0..L: L+1 resnets)
  up_blocks.b.attentions.l                 output_blocks.{b*(L+1) + l}.1
  up_blocks.b.upsamplers.0.conv            output_blocks.{b*(L+1) + L}.1.conv if up block b has no
                                           attention, else .2.conv                   (b < B-1)
  inside a resnet: norm1 in_layers.0, conv1 in_layers.2, norm2 out_layers.0, conv2 out_layers.3,
                   time_emb_proj emb_layers.1, conv_shortcut skip_connection
  inside an attention (Transformer2DModel): names unchanged (norm, proj_in, transformer_blocks.0.*,
                   proj_out). proj_in/proj_out are [C,C,1,1] convs for SD1, [C,C] linears for SD2
                   (use_linear_projection) in BOTH layouts.
  Detection: in_channels = input_blocks.0.0.weight.shape[1] (9 = inpainting); block_out_channels from
  the resnet widths; L from the count of input_blocks; cross_attention_dim = attn2.to_k.weight.shape[1];
  use_linear_projection from proj_in.weight's rank (2 = linear).

VAE, prefix "first_stage_model.":
  encoder|decoder .conv_in / .conv_out     unchanged
  encoder|decoder .conv_norm_out           encoder|decoder .norm_out
  quant_conv / post_quant_conv             unchanged
  encoder.down_blocks.i.resnets.j          encoder.down.i.block.j
  encoder.down_blocks.i.downsamplers.0.conv   encoder.down.i.downsample.conv
  decoder.up_blocks.i.resnets.j            decoder.up.{B-1-i}.block.j          (ORDER REVERSED)
  decoder.up_blocks.i.upsamplers.0.conv    decoder.up.{B-1-i}.upsample.conv
  encoder|decoder .mid_block.resnets.k     encoder|decoder .mid.block_{k+1}
  encoder|decoder .mid_block.attentions.0.{group_norm,to_q,to_k,to_v,to_out.0}
                                           .mid.attn_1.{norm,q,k,v,proj_out}; weights stored as
                                           1x1 convs [C,C,1,1] (diffusers: linear [C,C])
  inside a resnet: conv_shortcut -> nin_shortcut, the rest unchanged (norm1, conv1, norm2, conv2)

SD1 text (CLIP ViT-L style), prefix "cond_stage_model.transformer.":
  the diffusers/transformers name with its "text_model." prefix, unchanged
  (e.g. cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight).
  Files may also hold ...text_model.embeddings.position_ids (I64 [1,77]); ignore it.

SD2 text (OpenCLIP ViT-H style), prefix "cond_stage_model.model.":
  text_model.embeddings.token_embedding.weight    token_embedding.weight
  text_model.embeddings.position_embedding.weight positional_embedding           ([77, H], no ".weight")
  text_model.final_layer_norm                     ln_final
  text_model.encoder.layers.n.layer_norm1 / 2     transformer.resblocks.n.ln_1 / ln_2
  ...self_attn.{q,k,v}_proj.weight / .bias        transformer.resblocks.n.attn.in_proj_weight [3H,H] /
                                                  in_proj_bias [3H]: q, k, v concatenated along dim 0
  ...self_attn.out_proj                           transformer.resblocks.n.attn.out_proj
  ...mlp.fc1 / mlp.fc2                            transformer.resblocks.n.mlp.c_fc / mlp.c_proj
  The file holds one resblock MORE than is run: SD2 uses the penultimate layer, so a file with N+1
  resblocks gives a text model of N layers (diffusers' folder holds 23 of the 24), followed by
  ln_final. text_projection [H, P] and logit_scale (0-dim) are present and unused. The activation is
  GELU (erf), not quick_gelu.

Other keys in real files (alphas_cumprod, betas, ..., model_ema.*) are not weights; ignore them.
"""
import re

import torch

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
CLIP_PREFIX = "cond_stage_model.transformer."
OPENCLIP_PREFIX = "cond_stage_model.model."

_UNET_FIXED = {
    "time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
    "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2",
}
_UNET_RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "norm2": "out_layers.0", "conv2": "out_layers.3",
                "time_emb_proj": "emb_layers.1", "conv_shortcut": "skip_connection"}


def _resnet_rest(rest, table):
    head, _, tail = rest.partition(".")
    return table.get(head, head) + "." + tail


def unet_key(key, config):
    """One diffusers UNet2DConditionModel name -> ldm name (without prefix)."""
    L = config["layers_per_block"]
    for d, o in _UNET_FIXED.items():
        if key.startswith(d + "."):
            return o + key[len(d):]
    m = re.match(r"down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key)
    if m:
        b, kind, l, rest = int(m[1]), m[2], int(m[3]), m[4]
        i = 1 + b * (L + 1) + l
        return f"input_blocks.{i}.0.{_resnet_rest(rest, _UNET_RESNET)}" if kind == "resnets" else f"input_blocks.{i}.1.{rest}"
    m = re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key)
    if m:
        return f"input_blocks.{1 + int(m[1]) * (L + 1) + L}.0.op.{m[2]}"
    m = re.match(r"mid_block\.(resnets|attentions)\.(\d+)\.(.*)", key)
    if m:
        kind, k, rest = m[1], int(m[2]), m[3]
        if kind == "resnets":
            return f"middle_block.{2 * k}.{_resnet_rest(rest, _UNET_RESNET)}"
        return f"middle_block.1.{rest}"
    m = re.match(r"up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key)
    if m:
        b, kind, l, rest = int(m[1]), m[2], int(m[3]), m[4]
        i = b * (L + 1) + l
        return f"output_blocks.{i}.0.{_resnet_rest(rest, _UNET_RESNET)}" if kind == "resnets" else f"output_blocks.{i}.1.{rest}"
    m = re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", key)
    if m:
        b = int(m[1])
        has_attn = "CrossAttn" in config["up_block_types"][b]
        return f"output_blocks.{b * (L + 1) + L}.{2 if has_attn else 1}.conv.{m[2]}"
    raise KeyError(f"no ldm name for UNet parameter {key}")


_VAE_FIXED = {"encoder.conv_norm_out": "encoder.norm_out", "decoder.conv_norm_out": "decoder.norm_out"}
_VAE_ATTN = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


def vae_key(key, config):
    """One diffusers AutoencoderKL name -> ldm name (without prefix). Returns (name, is_attention_weight)."""
    B = len(config["block_out_channels"])
    for d, o in _VAE_FIXED.items():
        if key.startswith(d + "."):
            return o + key[len(d):], False
    m = re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.*)\.(weight|bias)$", key)
    if m:
        return f"{m[1]}.mid.attn_1.{_VAE_ATTN[m[2]]}.{m[3]}", m[3] == "weight" and m[2] != "group_norm"
    m = re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"{m[1]}.mid.block_{int(m[2]) + 1}.{m[3].replace('conv_shortcut', 'nin_shortcut')}", False
    m = re.match(r"encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"encoder.down.{m[1]}.block.{m[2]}.{m[3].replace('conv_shortcut', 'nin_shortcut')}", False
    m = re.match(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key)
    if m:
        return f"encoder.down.{m[1]}.downsample.conv.{m[2]}", False
    m = re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"decoder.up.{B - 1 - int(m[1])}.block.{m[2]}.{m[3].replace('conv_shortcut', 'nin_shortcut')}", False
    m = re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", key)
    if m:
        return f"decoder.up.{B - 1 - int(m[1])}.upsample.conv.{m[2]}", False
    if re.match(r"(encoder|decoder)\.conv_(in|out)\.|(post_)?quant_conv\.", key):
        return key, False
    raise KeyError(f"no ldm name for VAE parameter {key}")


def unet_to_ldm(state, config):
    return {UNET_PREFIX + unet_key(k, config): v for k, v in state.items()}


def vae_to_ldm(state, config):
    out = {}
    for k, v in state.items():
        name, attn_weight = vae_key(k, config)
        out[VAE_PREFIX + name] = v[:, :, None, None] if attn_weight else v
    return out


def text_key(key):
    """transformers 5 drops the "text_model." prefix of CLIPTextModel; the files keep it."""
    return key if key.startswith("text_model.") else "text_model." + key


def clip_to_ldm(state):
    out = {CLIP_PREFIX + text_key(k): v for k, v in state.items()}
    out[CLIP_PREFIX + "text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    return out


_OPENCLIP_LAYER = {"layer_norm1": "ln_1", "layer_norm2": "ln_2", "self_attn.out_proj": "attn.out_proj",
                   "mlp.fc1": "mlp.c_fc", "mlp.fc2": "mlp.c_proj"}


def openclip_to_ldm(state, extra):
    """state: CLIPTextModel state dict; extra: tensors of extra_openclip_tensors (names without prefix)."""
    s = {text_key(k): v for k, v in state.items()}
    out = {
        "token_embedding.weight": s.pop("text_model.embeddings.token_embedding.weight"),
        "positional_embedding": s.pop("text_model.embeddings.position_embedding.weight"),
        "ln_final.weight": s.pop("text_model.final_layer_norm.weight"),
        "ln_final.bias": s.pop("text_model.final_layer_norm.bias"),
    }
    layers = sorted({int(k.split(".")[3]) for k in s if k.startswith("text_model.encoder.layers.")})
    for n in layers:
        p = f"text_model.encoder.layers.{n}."
        q = f"transformer.resblocks.{n}."
        for kind in ("weight", "bias"):
            out[q + "attn.in_proj_" + kind] = torch.cat([s.pop(p + f"self_attn.{x}_proj.{kind}") for x in "qkv"])
            for d, o in _OPENCLIP_LAYER.items():
                out[q + o + "." + kind] = s.pop(p + d + "." + kind)
    assert not s, f"unmapped text parameters: {sorted(s)}"
    out.update(extra)
    return {OPENCLIP_PREFIX + k: v for k, v in out.items()}
