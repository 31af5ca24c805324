"""A random-weight single-file checkpoint with the shapes of SD1.5 (fp16, ~2.1 GB) for benchmarks.

Same init rules and ldm names as the tiny fixtures; built on the meta device, then filled tensor by
tensor, so it needs only the memory of the fp16 result.
"""
import torch

from . import ldm_convert, tiny_models
from .writers import save_tensors

TEXT = dict(tiny_models.TEXT_SD1, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
            num_attention_heads=12, projection_dim=768)
UNET = dict(sample_size=64, in_channels=4, out_channels=4, block_out_channels=(320, 640, 1280, 1280),
            layers_per_block=2, cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32,
            down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
            up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
VAE = dict(tiny_models.VAE, block_out_channels=(128, 256, 512, 512), layers_per_block=2, sample_size=512,
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)


def _fp16_state(model, seed):
    return {name: v.to(torch.float16) for name, v in tiny_models.random_state(model, seed)}


def write_full_size(path, seed=5000):
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    with init_empty_weights():
        text = CLIPTextModel(CLIPTextConfig(**TEXT))
        unet = UNet2DConditionModel(**UNET)
        vae = AutoencoderKL(**VAE)
    state = {}
    state.update(ldm_convert.unet_to_ldm(_fp16_state(unet, seed + 2), dict(unet.config)))
    state.update(ldm_convert.vae_to_ldm(_fp16_state(vae, seed + 3), dict(vae.config)))
    state.update(ldm_convert.clip_to_ldm(_fp16_state(text, seed + 1)))
    save_tensors(path, state)
    print(f"{path}: {len(state)} tensors, {sum(v.numel() for v in state.values()) / 1e6:.0f}M values")
