"""Writes the tiny models as diffusers folders and as original-layout single files, and the test images."""
import json
import os

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from . import ldm_convert
from .tiny_models import MODELS, ddpm_buffers, extra_openclip_tensors


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")


def save_tensors(path, tensors, metadata=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=metadata or {"format": "pt"})


def _cast(state, dtype):
    return {k: v.detach().to(dtype) for k, v in state.items()}


def _special_tokens(pad):
    def tok(s):
        return {"content": s, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
    return {"bos_token": tok("<|startoftext|>"), "eos_token": tok("<|endoftext|>"), "pad_token": pad,
            "unk_token": tok("<|endoftext|>")}


def write_folder(root, name, text, unet, vae, diffusers_version):
    """A diffusers folder like the ones on the Hub. The tokenizer/ subfolder has only its configs (the
    engine ships the CLIP merges); text_encoder/model.safetensors keeps the classic "text_model." names."""
    spec = MODELS[name]
    # SD1: UNet fp16, VAE fp32 (so the folder exercises F32 reading); SD2: fp16 (see README table)
    dtypes = {"unet": torch.float16, "vae": torch.float16 if spec["family"] == "sd2" else torch.float32}
    write_json(f"{root}/model_index.json", {
        "_class_name": "StableDiffusionPipeline", "_diffusers_version": diffusers_version,
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", spec["scheduler"]["_class_name"]], "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"]})
    write_json(f"{root}/scheduler/scheduler_config.json",
               dict(spec["scheduler"], _diffusers_version=diffusers_version))
    pad = "<|endoftext|>" if spec["family"] == "sd1" else "!"
    write_json(f"{root}/tokenizer/special_tokens_map.json", _special_tokens(pad))
    write_json(f"{root}/tokenizer/tokenizer_config.json", {
        "tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True, "errors": "replace",
        "add_prefix_space": False, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>", "pad_token": pad})
    text_cfg = text.config.to_dict()
    text_cfg["dtype"] = "float16"
    write_json(f"{root}/text_encoder/config.json", text_cfg)
    text_state = {ldm_convert.text_key(k): v for k, v in text.state_dict().items()}
    save_tensors(f"{root}/text_encoder/model.safetensors", _cast(text_state, torch.float16))
    for sub, model in (("unet", unet), ("vae", vae)):
        dtype = dtypes[sub]
        os.makedirs(f"{root}/{sub}", exist_ok=True)
        model.save_config(f"{root}/{sub}")
        save_tensors(f"{root}/{sub}/diffusion_pytorch_model.safetensors", _cast(model.state_dict(), dtype))


def single_file_state(name, text, unet, vae):
    """The whole checkpoint in ldm names, in the file dtype (position_ids stays I64)."""
    spec = MODELS[name]
    dtype = spec["file_dtype"]
    state = {}
    state.update(ldm_convert.unet_to_ldm(unet.state_dict(), dict(unet.config)))
    state.update(ldm_convert.vae_to_ldm(vae.state_dict(), dict(vae.config)))
    if spec["family"] == "sd1":
        state.update(ldm_convert.clip_to_ldm(text.state_dict()))
    else:
        state.update(ldm_convert.openclip_to_ldm(text.state_dict(), extra_openclip_tensors(name, spec["text"])))
    state.update(ddpm_buffers(spec["scheduler"]))
    return {k: (v if v.dtype == torch.int64 else v.detach().to(dtype)) for k, v in state.items()}


def write_single_file(path, name, text, unet, vae):
    # the size these tiny models work at (16 px: 8x8 latents), as the embedded default model states its own
    save_tensors(path, single_file_state(name, text, unet, vae), metadata={"format": "pt", "sdswift.native_size": "16"})


def write_images(folder):
    """input16.png: a smooth colour image with a disc; mask16.png: a white (repaint) rectangle whose edges
    are not aligned to the 2x2 latent grid, on black."""
    y, x = np.mgrid[0:16, 0:16].astype(np.float32)
    r = x / 15 * 255
    g = y / 15 * 255
    b = np.where((x - 10.5) ** 2 + (y - 5.5) ** 2 < 16, 230.0, 40.0 + 4 * (x + y))
    rgb = np.stack([r, g, b], -1).round().clip(0, 255).astype(np.uint8)
    mask = np.zeros((16, 16), np.uint8)
    mask[3:11, 5:12] = 255
    os.makedirs(folder, exist_ok=True)
    Image.fromarray(rgb, "RGB").save(f"{folder}/input16.png")
    Image.fromarray(mask, "L").save(f"{folder}/mask16.png")
