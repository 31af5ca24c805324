"""Reference for the tiled VAE decode (Tests/Fixtures/reference/tiling.*): diffusers'
AutoencoderKL.tiled_decode on the tiny SD1 folder model's VAE, with tiles of 8 latents (16 px)
so that a 22x26 latent needs 4 x 5 overlapping tiles, and the whole decode for comparison.
Run through Tools/make_fixtures.py (it calls make())."""
import os

import torch

TILE_LATENT, OVERLAP = 8, 0.25


@torch.no_grad()
def make(fixtures):
    from diffusers import AutoencoderKL
    from .writers import save_tensors, write_json
    vae = AutoencoderKL.from_pretrained(os.path.join(fixtures, "models", "sd1-tiny", "vae"), torch_dtype=torch.float32).eval()
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    vae.enable_tiling()
    vae.tile_latent_min_size, vae.tile_sample_min_size, vae.tile_overlap_factor = TILE_LATENT, TILE_LATENT * factor, OVERLAP
    latents = torch.randn(1, vae.config.latent_channels, 22, 26, generator=torch.Generator().manual_seed(9300))
    tiled = vae.decode(latents).sample
    vae.disable_tiling()
    whole = vae.decode(latents).sample
    save_tensors(os.path.join(fixtures, "reference", "tiling.safetensors"),
                 {"latents": latents.contiguous(), "tiled": tiled.float().contiguous(), "whole": whole.float().contiguous()})
    write_json(os.path.join(fixtures, "reference", "tiling.json"),
               {"model": "sd1-tiny (folder) VAE", "tile_latents": TILE_LATENT, "overlap": OVERLAP, "factor": factor,
                "max_abs_tiled_vs_whole": float((tiled - whole).abs().max())})
    print(f"tiling: {tuple(latents.shape)} latents in tiles of {TILE_LATENT}, max |tiled - whole| "
          f"{float((tiled - whole).abs().max()):.3f}")
