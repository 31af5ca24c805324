"""Shared settings of the default-model tools: environment, model configs, the noise schedule."""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # Tools.reference

import torch  # noqa: E402

torch.set_num_threads(int(os.environ.get("SDSWIFT_TRAIN_THREADS", "1")))

RUN_DIR = os.environ.get("SDSWIFT_TRAIN_DIR", "/work/train_default_run")
SCALING_FACTOR = 0.18215  # the VAE is rescaled (finalize_vae.py) so that latents * this have std 1

# 64x64 RGB <-> 16x16x4 latents (3 levels: downscale 4). GroupNorm 32 groups, channels multiples of 32.
VAE = dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 3,
           up_block_types=("UpDecoderBlock2D",) * 3, block_out_channels=(32, 64, 64), layers_per_block=1,
           latent_channels=4, norm_num_groups=32, sample_size=64, scaling_factor=SCALING_FACTOR)

# SD1-family CLIP text encoder: real vocabulary, hidden 64 -> 1 head, quick_gelu, 77 positions.
TEXT = dict(vocab_size=49408, hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=1,
            max_position_embeddings=77, layer_norm_eps=1e-5, hidden_act="quick_gelu",
            bos_token_id=49406, eos_token_id=49407, pad_token_id=1, projection_dim=64)

# SD1-family UNet: 8 heads per attention block (attention_head_dim=8 in diffusers' naming).
UNET = dict(sample_size=16, in_channels=4, out_channels=4, block_out_channels=(32, 64), layers_per_block=1,
            down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            cross_attention_dim=64, attention_head_dim=8, norm_num_groups=32)

# A third level (16 -> 8 -> 4 latent pixels) as SD1 has its deepest one: no attention in that block, the mid
# block's cross-attention at 4x4. Why: attention and convolution are translation-equivariant, so the only
# cue for "left"/"right" is the zero padding; at 4x4 every cell touches or nearly touches an edge, so the
# absolute position the prompt asks for is cheap to compute there (the 2-level model stayed at chance).
UNET3 = dict(UNET, block_out_channels=(32, 64, 64),
             down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
             up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"))
# Four levels (16 -> 8 -> 4 -> 2): at 2x2 every cell is a corner, so a 3x3 convolution with zero padding
# tells the cells apart at once and the mid block's cross-attention can put "left" on the left.
UNET4 = dict(UNET, block_out_channels=(32, 64, 64, 64),
             down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
             up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"))
UNETS = {"2-level": UNET, "3-level": UNET3, "4-level": UNET4}

# The SD1 training schedule (the engine's schedulers assume it).
SCHEDULE = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                prediction_type="epsilon", steps_offset=1, timestep_spacing="leading", clip_sample=False,
                set_alpha_to_one=False)


def log(path, msg):
    import time
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    with open(path, "a") as f:
        f.write(line + "\n")


def to_tensor(images_uint8):
    """uint8 [N, H, W, 3] -> float [N, 3, H, W] in [-1, 1]."""
    return torch.from_numpy(images_uint8).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8(t):
    """float [N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3]."""
    return ((t.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
