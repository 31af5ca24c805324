"""Rescales the trained VAE's latent space so that SCALING_FACTOR (0.18215, SD1's value) is right,
i.e. std(latents) * 0.18215 = 1 over the training drawings. Exact reparameterisation:
quant_conv's mean rows * s, its log-variance bias + 2 ln s, post_quant_conv's weight / s.
Usage: python finalize_vae.py [source folder, default RUN_DIR/vae_best]  ->  RUN_DIR/vae_final
"""
import math
import os
import sys

import common  # noqa: F401
import torch
from diffusers import AutoencoderKL

import drawings
from common import RUN_DIR, SCALING_FACTOR, log, to_tensor

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(RUN_DIR, "vae_best")
vae = AutoencoderKL.from_pretrained(src).eval()
x = to_tensor(drawings.dataset(720, seed=4242)[0])
with torch.no_grad():
    before = torch.cat([vae.encode(x[i:i + 60]).latent_dist.mean for i in range(0, len(x), 60)])
    std = before.std().item()
    s = (1.0 / SCALING_FACTOR) / std
    c = vae.config.latent_channels
    vae.quant_conv.weight[:c] *= s
    vae.quant_conv.bias[:c] *= s
    vae.quant_conv.bias[c:] += 2 * math.log(s)
    vae.post_quant_conv.weight /= s
    after = torch.cat([vae.encode(x[i:i + 60]).latent_dist.mean for i in range(0, len(x), 60)])
    dec_a = vae.decode(after[:60]).sample
    vae2 = AutoencoderKL.from_pretrained(src).eval()
    dec_b = vae2.decode(before[:60]).sample
vae.register_to_config(scaling_factor=SCALING_FACTOR)
out = os.path.join(RUN_DIR, "vae_final")
vae.save_pretrained(out)
log(os.path.join(RUN_DIR, "vae_log.txt"),
    f"finalize: latent std {std:.4f} (1/std {1 / std:.5f}) rescaled by {s:.4f}; new std {after.std().item():.4f}, "
    f"channel means {[round(v, 3) for v in (after.mean((0, 2, 3)) * SCALING_FACTOR).tolist()]} (scaled), "
    f"decode max diff {(dec_a - dec_b).abs().max().item():.2e} -> {out}")
