"""Scores a checkpoint's EMA weights (rounded to fp16, as exported) with the checker at several
guidance scales. Usage: python evaluate.py [checkpoint] [--n 48] [--guidance 3 6 9] [--steps 20]"""
import argparse
import os

import common  # noqa: F401

import export
import sampling
from common import RUN_DIR

p = argparse.ArgumentParser()
p.add_argument("checkpoint", nargs="?", default=os.path.join(RUN_DIR, "ckpt_best.pt"))
p.add_argument("--n", type=int, default=48)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--guidance", type=float, nargs="+", default=[3.0, 6.0, 9.0])
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
text, unet, vae, ck = export.load_models(a.checkpoint)
export.round_fp16_(text, unet, vae)
pipe = sampling.pipeline(unet, text, vae)
for g in a.guidance:
    s, images = sampling.sample_and_score(pipe, n=a.n, steps=a.steps, guidance=g, seed=a.seed)
    sampling.save_png(os.path.join(RUN_DIR, f"eval_step{ck['step']}_g{g:g}.png"), sampling.grid(images))
    print(f"step {ck['step']} guidance {g:g} steps {a.steps} n {a.n}: {sampling.dumps(s)}", flush=True)
