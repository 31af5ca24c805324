#!/usr/bin/env python3
"""Makes Tests/Fixtures/schedulers.json: diffusers' schedulers run on a fake, deterministic "model".

Run with the reference venv:  HF_HUB_OFFLINE=1 /work/venv/bin/python Tools/reference/scheduler_fixtures.py

Every input is computed identically in Swift (Tests/SDSchedulersTests), so nothing but results is stored:
- pseudo(stream, n): uniform values with unit variance from a splitmix64 hash of (stream, index), exact
  in both languages (integer hashing, then correctly rounded double arithmetic, then one cast to float32).
  Streams: 1 = initial noise, 2 = clean latent (img2img), 3 = model bias, 100 + k = noise of the k-th step.
- fake model: out = 0.6 * x_in + float32(0.3 * cos(t / 100)) * bias, in float32, where x_in is
  scale_model_input's result and t the model timestep (float).
Runs follow diffusers' pipelines: txt2img starts from noise * init_noise_sigma; img2img uses the pipeline's
get_timesteps (t_start, set_begin_index) and add_noise at the first kept timestep. Per-step noise is fed by
replacing randn_tensor in the scheduler modules; the run records how many draws the scheduler made.
Tensors are stored as base64 of little-endian float32 (keeps the file small and exact).
"""
import base64
import json
import math
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

torch.set_num_threads(1)

import diffusers
from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, LCMScheduler)
from diffusers.schedulers import scheduling_euler_ancestral_discrete as ea_module
from diffusers.schedulers import scheduling_lcm as lcm_module

SHAPE = (1, 4, 8, 8)
COUNT = int(np.prod(SHAPE))
MASK = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def pseudo(stream, n=COUNT):
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        z = splitmix64((stream << 32) | i)
        out[i] = np.float32((float(z >> 40) / 16777216.0 - 0.5) * 3.4641016151377544)
    return torch.from_numpy(out.reshape(SHAPE))


BIAS = pseudo(3).numpy()


def fake_model(x_in, t):
    c = np.float32(0.3 * math.cos(float(t) / 100.0))
    out = np.float32(0.6) * x_in.numpy().astype(np.float32) + c * BIAS
    return torch.from_numpy(out.astype(np.float32))


class NoiseFeed:
    """Stands in for randn_tensor: hands out stream 100 + k for the k-th draw."""

    def __init__(self):
        self.draws = 0

    def __call__(self, shape, generator=None, device=None, dtype=None, layout=None):
        assert tuple(shape) == SHAPE, shape
        noise = pseudo(100 + self.draws)
        self.draws += 1
        return noise.to(dtype or torch.float32)


SD1 = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
LINEAR = dict(beta_start=0.0001, beta_end=0.02, beta_schedule="linear")
COSINE = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="squaredcos_cap_v2")


def make(sampler, karras, betas, spacing, offset, prediction, set_alpha_to_one=False):
    common = dict(num_train_timesteps=1000, prediction_type=prediction, **betas)
    if sampler == "euler":
        return EulerDiscreteScheduler(**common, timestep_spacing=spacing, steps_offset=offset,
                                      use_karras_sigmas=karras)
    assert not karras or sampler == "dpmpp_2m"
    if sampler == "euler_a":
        return EulerAncestralDiscreteScheduler(**common, timestep_spacing=spacing, steps_offset=offset)
    if sampler == "ddim":
        return DDIMScheduler(**common, timestep_spacing=spacing, steps_offset=offset, clip_sample=False,
                             set_alpha_to_one=set_alpha_to_one)
    if sampler == "dpmpp_2m":
        return DPMSolverMultistepScheduler(**common, timestep_spacing=spacing, steps_offset=offset,
                                           solver_order=2, algorithm_type="dpmsolver++", solver_type="midpoint",
                                           lower_order_final=True, use_karras_sigmas=karras)
    if sampler == "lcm":
        # SD configs say set_alpha_to_one false; LCM never reaches the final alpha anyway.
        return LCMScheduler(**common, timestep_spacing=spacing, steps_offset=offset, set_alpha_to_one=False)
    raise ValueError(sampler)


def f32_list(t):
    # Shortest decimal that reads back as the same float32.
    return [float(str(v)) for v in np.asarray(t, dtype=np.float32).reshape(-1)]


def b64(t):
    a = np.ascontiguousarray(np.asarray(t, dtype=np.float32).reshape(-1)).astype("<f4")
    return base64.b64encode(a.tobytes()).decode("ascii")


def run_case(sampler, karras=False, betas=SD1, spacing="leading", offset=1, prediction="epsilon", steps=4,
             strength=1.0, set_alpha_to_one=False):
    sched = make(sampler, karras, betas, spacing, offset, prediction, set_alpha_to_one)
    feed = NoiseFeed()
    ea_module.randn_tensor = feed
    lcm_module.randn_tensor = feed
    sched.set_timesteps(steps)
    all_timesteps = sched.timesteps.clone()
    sigmas = f32_list(sched.sigmas) if hasattr(sched, "sigmas") and sampler != "ddim" and sampler != "lcm" else None
    init_sigma = float(sched.init_noise_sigma)
    if strength >= 1.0:
        start = 0
        timesteps = all_timesteps
        latents = pseudo(1) * sched.init_noise_sigma
    else:
        # StableDiffusionImg2ImgPipeline.get_timesteps + prepare_latents
        init_timestep = min(int(steps * strength), steps)
        start = max(steps - init_timestep, 0)
        timesteps = all_timesteps[start * sched.order:]
        if hasattr(sched, "set_begin_index"):
            sched.set_begin_index(start * sched.order)
        latents = sched.add_noise(pseudo(2), pseudo(1), timesteps[:1])
    for t in timesteps:
        x_in = sched.scale_model_input(latents, t)
        out = fake_model(x_in, t)
        latents = sched.step(out, t, latents).prev_sample
    name = f"{sampler}{'_karras' if karras else ''}.{betas['beta_schedule']}.{spacing}{offset}.{prediction}" \
           f".n{steps}.s{strength}{'.alpha1' if set_alpha_to_one else ''}"
    return {
        "name": name, "sampler": sampler, "karras": karras,
        "beta_schedule": betas["beta_schedule"], "beta_start": betas["beta_start"], "beta_end": betas["beta_end"],
        "timestep_spacing": spacing, "steps_offset": offset, "prediction_type": prediction,
        "set_alpha_to_one": set_alpha_to_one, "steps": steps, "strength": strength,
        "start_index": start, "timesteps": f32_list(all_timesteps), "sigmas": sigmas,
        "init_noise_sigma": f32_list([init_sigma])[0], "noise_draws": feed.draws, "final": b64(latents),
    }


def add_noise_case(sampler, karras, steps, index):
    """add_noise to the level of step `index`, as img2img (begin index) and inpainting (step index) use it."""
    sched = make(sampler, karras, SD1, "leading", 1, "epsilon")
    sched.set_timesteps(steps)
    if hasattr(sched, "set_begin_index"):
        sched.set_begin_index(index)
    noisy = sched.add_noise(pseudo(2), pseudo(1), sched.timesteps[index:index + 1])
    return {"sampler": sampler, "karras": karras, "steps": steps, "step_index": index, "result": b64(noisy)}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "schedulers.json")
    kinds = [("euler", False), ("euler", True), ("euler_a", False), ("ddim", False),
             ("dpmpp_2m", False), ("dpmpp_2m", True), ("lcm", False)]
    cases = []
    # SD1 defaults, both predictions, several step counts.
    for sampler, karras in kinds:
        for prediction in ("epsilon", "v_prediction"):
            for steps in (1, 4, 7):
                cases.append(run_case(sampler, karras, prediction=prediction, steps=steps))
    # Other spacings (LCM has its own schedule).
    for sampler, karras in kinds[:-1]:
        for spacing in ("trailing", "linspace"):
            cases.append(run_case(sampler, karras, spacing=spacing, offset=0, steps=7))
    # Linear betas, v-prediction, leading without offset.
    for sampler, karras in kinds:
        cases.append(run_case(sampler, karras, betas=LINEAR, offset=0, prediction="v_prediction", steps=4))
    # img2img starts.
    for sampler, karras in kinds:
        for strength in (0.3, 0.75):
            cases.append(run_case(sampler, karras, steps=7, strength=strength))
        cases.append(run_case(sampler, karras, prediction="v_prediction", steps=4, strength=0.5))
    # Odd corners: DDIM reaching the final alpha; trailing spacing that yields steps + 1 timesteps (n = 61);
    # the cosine beta schedule.
    cases.append(run_case("ddim", steps=4, set_alpha_to_one=True))
    for sampler, karras in (("euler", False), ("ddim", False), ("dpmpp_2m", False)):
        cases.append(run_case(sampler, karras, spacing="trailing", offset=0, steps=61))
    for sampler, karras in (("euler", True), ("ddim", False), ("dpmpp_2m", False)):
        cases.append(run_case(sampler, karras, betas=COSINE, steps=4))
    add_noise = [add_noise_case(s, k, 7, 3) for s, k in kinds]
    schedules = {}
    for betas in (SD1, LINEAR, COSINE):
        s = DDIMScheduler(num_train_timesteps=1000, **betas)
        schedules[betas["beta_schedule"]] = {"beta_start": betas["beta_start"], "beta_end": betas["beta_end"],
                                             "alphas_cumprod": b64(s.alphas_cumprod)}
    doc = {
        "about": "Made by Tools/reference/scheduler_fixtures.py; see its docstring for inputs and the fake model.",
        "diffusers": diffusers.__version__, "torch": torch.__version__, "shape": list(SHAPE),
        "schedules": schedules, "cases": cases, "add_noise": add_noise,
    }
    # One line per case keeps the file small and its diffs readable.
    def dumps(v):
        return json.dumps(v, separators=(",", ":"))

    with open(out_path, "w") as f:
        f.write("{\n")
        for key, value in doc.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                f.write(f"{dumps(key)}:[\n" + ",\n".join(dumps(v) for v in value) + "\n]")
            else:
                f.write(f"{dumps(key)}:{dumps(value)}")
            f.write(",\n" if key != list(doc)[-1] else "\n")
        f.write("}\n")
    json.load(open(out_path))  # still valid JSON
    print(f"{len(cases)} cases, {os.path.getsize(out_path)} bytes -> {out_path}")


if __name__ == "__main__":
    main()
