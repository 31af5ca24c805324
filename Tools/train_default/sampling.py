"""Samples the default model with diffusers' StableDiffusionPipeline and scores them with the checker."""
import json

import common  # noqa: F401
import numpy as np
import torch
from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline

import checker
import drawings
from common import SCHEDULE

_tokenizer = None


def tokenizer():
    global _tokenizer
    if _tokenizer is None:
        from Tools.reference.clip_tokenizer import make_tokenizer
        _tokenizer = make_tokenizer()
    return _tokenizer


def pipeline(unet, text_encoder, vae):
    sched = EulerDiscreteScheduler(**{k: v for k, v in SCHEDULE.items() if k not in ("clip_sample", "set_alpha_to_one")})
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer(), unet=unet,
                                   scheduler=sched, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def eval_attrs(n):
    """n attribute tuples spread evenly over all combinations (a fixed, balanced set)."""
    combos = drawings.all_combinations()
    return [combos[(i * 37) % len(combos)] for i in range(n)]


def sample_and_score(pipe, n=48, steps=20, guidance=6.0, seed=0, batch=24):
    attrs = eval_attrs(n)
    prompts = [drawings.caption(*a) for a in attrs]
    images = []
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for i in range(0, n, batch):
            out = pipe(prompt=prompts[i:i + batch], height=64, width=64, num_inference_steps=steps,
                       guidance_scale=guidance, generator=g, output_type="np").images
            images.append((out * 255).round().astype(np.uint8))
    images = np.concatenate(images)
    return checker.score(images, attrs), images


def grid(images, cols=8):
    n, h, w, c = images.shape
    rows = (n + cols - 1) // cols
    g = np.zeros((rows * h, cols * w, c), dtype=np.uint8)
    for i, im in enumerate(images):
        g[(i // cols) * h:(i // cols + 1) * h, (i % cols) * w:(i % cols + 1) * w] = im
    return g


def save_png(path, array):
    from PIL import Image
    Image.fromarray(array).save(path)


def dumps(d):
    return json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()})
