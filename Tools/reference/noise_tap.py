"""Feeds and records every random draw a diffusers pipeline makes.

diffusers' schedulers, pipelines and the VAE's latent distribution each call the `randn_tensor` they
imported by name; NoiseTap replaces those names with one function that returns standard-normal noise
from its own seeded generator (float32, then cast) and records (source, step, tensor). The current
step is known by wrapping scheduler.step on the pipeline. Use as
    with NoiseTap(seed, pipe) as tap: pipe(...)
"""
import importlib

import torch

SOURCES = {
    "scheduler": ["diffusers.schedulers.scheduling_euler_discrete",
                  "diffusers.schedulers.scheduling_euler_ancestral_discrete",
                  "diffusers.schedulers.scheduling_ddim",
                  "diffusers.schedulers.scheduling_dpmsolver_multistep",
                  "diffusers.schedulers.scheduling_lcm"],
    "pipeline": ["diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion",
                 "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_img2img",
                 "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_inpaint"],
    "vae": ["diffusers.models.autoencoders.vae"],
}


class NoiseTap:
    def __init__(self, seed, pipe):
        self.generator = torch.Generator().manual_seed(seed)
        self.pipe = pipe
        self.draws = []  # (source, step index or None, float32 tensor)
        self.step = None
        self._saved = []

    def _make(self, source):
        def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
            x = torch.randn(tuple(shape), generator=self.generator, dtype=torch.float32)
            self.draws.append((source, self.step, x.clone()))
            return x.to(device=device or "cpu", dtype=dtype or torch.float32)
        return randn_tensor

    def __enter__(self):
        for source, modules in SOURCES.items():
            fn = self._make(source)
            for name in modules:
                module = importlib.import_module(name)
                self._saved.append((module, module.randn_tensor))
                module.randn_tensor = fn
        scheduler = self.pipe.scheduler
        original_step = scheduler.step
        counter = [0]

        def step(*args, **kwargs):
            self.step = counter[0]
            try:
                return original_step(*args, **kwargs)
            finally:
                self.step = None
                counter[0] += 1
        scheduler.step = step
        self.steps_run = counter
        return self

    def __exit__(self, *exc):
        for module, fn in self._saved:
            module.randn_tensor = fn
        del self.pipe.scheduler.step  # drop the instance attribute, back to the class method

    def of(self, source):
        return [(step, x) for s, step, x in self.draws if s == source]

    def step_noise(self, steps, shape):
        """[steps, *shape]: the scheduler's draw in each step, zeros for steps that drew nothing."""
        out = torch.zeros((steps,) + tuple(shape))
        for step, x in self.of("scheduler"):
            assert step is not None and not out[step].any(), "one scheduler draw per step expected"
            out[step] = x
        return out
