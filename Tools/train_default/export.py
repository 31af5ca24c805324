"""Exports a training checkpoint (its EMA weights) as the engine's embedded default model: ONE
safetensors file in the original SD1 single-file layout (model.diffusion_model.*, first_stage_model.*,
cond_stage_model.transformer.text_model.*), fp16, plus the schedule buffers real SD1 files carry, and
__metadata__ with sdswift.* keys. Then loads the file back through diffusers' own single-file loader
and checks every tensor and the pipeline's output.

Usage: python export.py [checkpoint, default RUN_DIR/ckpt_best.pt] [--out PATH] [--score N]
"""
import argparse
import json
import os
import tempfile

import common  # noqa: F401
import numpy as np
import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel

import sampling
from common import RUN_DIR, SCALING_FACTOR, SCHEDULE, TEXT, UNET
from Tools.reference import ldm_convert
from Tools.reference.tiny_models import ddpm_buffers

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Models", "default", "sdswift-default.safetensors")


def load_models(ckpt_path, ema=True):
    ck = torch.load(ckpt_path)
    text = CLIPTextModel(CLIPTextConfig(**ck.get("text_config", TEXT))).eval()
    unet = UNet2DConditionModel(**ck.get("unet_config", UNET)).eval()
    text.load_state_dict(ck["ema_text" if ema else "text"])
    unet.load_state_dict(ck["ema_unet" if ema else "unet"])
    vae = AutoencoderKL.from_pretrained(os.path.join(RUN_DIR, "vae_final")).eval()
    return text, unet, vae, ck


def round_fp16_(*models):
    with torch.no_grad():
        for m in models:
            for p in m.parameters():
                p.copy_(p.half().float())


def single_file_state(text, unet, vae):
    state = {}
    state.update(ldm_convert.unet_to_ldm(unet.state_dict(), dict(unet.config)))
    state.update(ldm_convert.vae_to_ldm(vae.state_dict(), dict(vae.config)))
    state.update(ldm_convert.clip_to_ldm(text.state_dict()))
    state.update(ddpm_buffers(SCHEDULE))
    return {k: (v if v.dtype == torch.int64 else v.detach().to(torch.float16)).contiguous() for k, v in state.items()}


def metadata(ck, eval_scores):
    m = {"format": "pt", "sdswift.model": "sdswift-default", "sdswift.family": "sd1",
         "sdswift.scaling_factor": repr(SCALING_FACTOR), "sdswift.native_size": "64",
         "sdswift.prediction_type": "epsilon", "sdswift.train_steps": str(ck["step"]),
         "sdswift.train_minutes": f"{ck['trained_s'] / 60:.1f}",
         "sdswift.prompt_template": "a <colour> <shape> <on the left|in the center|on the right>, <background> background",
         "sdswift.license": "weights trained from scratch by sdswift on its own synthetic drawings (no third-party "
                            "weights or data); the CLIP BPE vocabulary the tokenizer uses: MIT (OpenAI CLIP, open_clip)"}
    if eval_scores:
        m["sdswift.checker"] = json.dumps({k: v for k, v in eval_scores.items()})
    return m


def write_config_folder(folder, text, unet, vae):
    """A diffusers folder holding only configs, for from_single_file(config=...) (offline)."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model_index.json"), "w") as f:
        json.dump({"_class_name": "StableDiffusionPipeline", "feature_extractor": [None, None],
                   "requires_safety_checker": False, "safety_checker": [None, None],
                   "scheduler": ["diffusers", "EulerDiscreteScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
                   "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
                   "vae": ["diffusers", "AutoencoderKL"]}, f)
    os.makedirs(os.path.join(folder, "scheduler"), exist_ok=True)
    with open(os.path.join(folder, "scheduler", "scheduler_config.json"), "w") as f:
        json.dump(dict(SCHEDULE, _class_name="EulerDiscreteScheduler"), f)
    unet.save_config(os.path.join(folder, "unet"))
    vae.save_config(os.path.join(folder, "vae"))
    text.config.save_pretrained(os.path.join(folder, "text_encoder"))
    sampling.tokenizer().save_pretrained(os.path.join(folder, "tokenizer"))


def verify(path, text, unet, vae):
    """Loads the file back with diffusers' from_single_file: every weight must equal the fp16-rounded
    model's, and 8 samples must equal (bit for bit) the in-memory pipeline's. Returns max pixel diff."""
    from diffusers import StableDiffusionPipeline
    with tempfile.TemporaryDirectory() as tmp:
        write_config_folder(tmp, text, unet, vae)
        pipe = StableDiffusionPipeline.from_single_file(path, config=tmp, tokenizer=sampling.tokenizer(),
                                                        safety_checker=None, feature_extractor=None,
                                                        local_files_only=True, torch_dtype=torch.float32)
    for label, a, b in (("unet", unet, pipe.unet), ("vae", vae, pipe.vae), ("text", text, pipe.text_encoder)):
        sa = {k: v for k, v in a.state_dict().items() if not k.endswith("position_ids")}
        sb = {k: v for k, v in b.state_dict().items() if not k.endswith("position_ids")}
        assert sa.keys() == sb.keys(), (label, sorted(set(sa) ^ set(sb))[:5])
        bad = [k for k in sa if not torch.equal(sa[k].float(), sb[k].float())]
        assert not bad, (label, bad[:5])
    assert abs(pipe.vae.config.scaling_factor - SCALING_FACTOR) < 1e-9, pipe.vae.config.scaling_factor
    pipe.scheduler = sampling.pipeline(unet, text, vae).scheduler
    pipe.set_progress_bar_config(disable=True)
    _, a = sampling.sample_and_score(sampling.pipeline(unet, text, vae), n=8, seed=5)
    _, b = sampling.sample_and_score(pipe, n=8, seed=5)
    return int(np.abs(a.astype(int) - b.astype(int)).max())


def export_checkpoint(ckpt_path, out=DEFAULT_OUT, eval_scores=None, score_n=0):
    text, unet, vae, ck = load_models(ckpt_path)
    round_fp16_(text, unet, vae)
    if score_n:
        eval_scores, _ = sampling.sample_and_score(sampling.pipeline(unet, text, vae), n=score_n, seed=0)
        eval_scores.update(samples=score_n, steps=20, guidance=6.0, sampler="euler")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    save_file(single_file_state(text, unet, vae), out + ".tmp", metadata=metadata(ck, eval_scores))
    os.replace(out + ".tmp", out)
    diff = verify(out, text, unet, vae)
    with safe_open(out, "pt") as f:
        n = sum(f.get_slice(k).get_shape().numel() if hasattr(f.get_slice(k).get_shape(), "numel")
                else int(np.prod(f.get_slice(k).get_shape())) for k in f.keys())
    print(f"exported {ckpt_path} (step {ck['step']}) -> {out}: {os.path.getsize(out) / 1e6:.2f} MB, "
          f"{n / 1e6:.3f} M values; reloaded through from_single_file: weights equal, max pixel diff {diff}; "
          f"checker {eval_scores}", flush=True)
    return eval_scores


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint", nargs="?", default=os.path.join(RUN_DIR, "ckpt_best.pt"))
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--score", type=int, default=0, help="score N samples of the exported (fp16) weights")
    a = p.parse_args()
    export_checkpoint(a.checkpoint, a.out, score_n=a.score)
