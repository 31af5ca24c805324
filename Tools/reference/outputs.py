"""Reference outputs of the tiny models, computed in float32 with diffusers (names: Tests/Fixtures/README.md)."""
import math

import numpy as np
import torch
from PIL import Image

from .noise_tap import NoiseTap

PROMPTS = [
    "a photograph of an astronaut riding a horse",
    "",
    "blurry, lowres, watermark",
    "A Cat, a DOG; and... (masterpiece:1.2) café 日本語 1234.5",
    "a " + " ".join(["very"] * 80) + " long prompt that is truncated",  # > 75 tokens
]
RUN_PROMPT, RUN_NEGATIVE = PROMPTS[0], PROMPTS[2]
GUIDANCE, STEPS, SIZE = 7.5, 4, 16
IMG2IMG_STEPS, IMG2IMG_STRENGTH = 8, 0.6  # 8 * 0.6 = 4.8 -> the last 4 of 8 timesteps run

# name -> (scheduler class, overrides of the model's scheduler config)
SCHEDULERS = {
    "euler": ("EulerDiscreteScheduler", {}),
    "euler_a": ("EulerAncestralDiscreteScheduler", {}),
    "ddim": ("DDIMScheduler", {}),
    "dpmpp_2m_karras": ("DPMSolverMultistepScheduler",
                        {"use_karras_sigmas": True, "algorithm_type": "dpmsolver++", "solver_order": 2}),
    "lcm": ("LCMScheduler", {}),
}


def jsonable(x):
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, torch.Tensor):
        return jsonable(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):  # JSON has no Infinity/NaN: "inf", "-inf", "nan"
        return str(x)
    return x


def np_image_to_nchw(images):
    return torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))).float()


def make_scheduler(name, base_config):
    import diffusers
    cls_name, overrides = SCHEDULERS[name]
    config = {k: v for k, v in base_config.items() if not k.startswith("_")}
    return getattr(diffusers, cls_name).from_config(config, **overrides)


def describe_scheduler(s):
    return {"scheduler_class": type(s).__name__,
            "scheduler_config": jsonable({k: v for k, v in dict(s.config).items() if not k.startswith("_")})}


def schedule_info(s):
    info = {"timesteps": jsonable(s.timesteps.float()), "init_noise_sigma": float(s.init_noise_sigma)}
    if getattr(s, "sigmas", None) is not None:
        info["sigmas"] = jsonable(torch.as_tensor(s.sigmas).float())
    return info


class LatentRecorder:
    """callback_on_step_end that keeps the latents after every step (and the inpainting tensors)."""
    def __init__(self):
        self.latents, self.extra = [], {}

    def __call__(self, pipe, i, t, kwargs):
        self.latents.append(kwargs["latents"].detach().clone().float())
        for k in ("mask", "masked_image_latents"):
            if k in kwargs:
                self.extra[k] = kwargs[k][:1].detach().clone().float()  # CFG doubles them
        return {}


def make_pipeline(kind, text, unet, vae, tokenizer, scheduler):
    import diffusers
    cls = {"txt2img": diffusers.StableDiffusionPipeline, "img2img": diffusers.StableDiffusionImg2ImgPipeline,
           "inpaint": diffusers.StableDiffusionInpaintPipeline}[kind]
    pipe = cls(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
               safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def text_outputs(text, tokenizer, tensors, meta):
    meta["prompts"] = PROMPTS
    for i, p in enumerate(PROMPTS):
        ids = tokenizer(p, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
        tensors[f"text.ids.{i}"] = ids.to(torch.int32)
        tensors[f"text.hidden.{i}"] = text(ids)[0].float()


@torch.no_grad()
def unet_outputs(unet, tensors, meta, seed):
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(2, unet.config.in_channels, 8, 8, generator=g)
    context = torch.cat([tensors["text.hidden.1"], tensors["text.hidden.0"]])  # ("" , prompt 0)
    t = torch.tensor([500.0])
    tensors["unet.sample"], tensors["unet.timestep"], tensors["unet.context"] = sample, t, context
    tensors["unet.out"] = unet(sample, t, encoder_hidden_states=context).sample.float()
    meta["unet"] = {"context": "text.hidden.1 (empty prompt) then text.hidden.0", "timestep": 500.0}


def load_rgb(path):
    """[1,3,H,W] in [-1,1], as diffusers' VaeImageProcessor makes it."""
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(a.transpose(2, 0, 1)[None].copy()) * 2 - 1


@torch.no_grad()
def vae_outputs(vae, tensors, meta, seed, image_path):
    image = load_rgb(image_path)
    dist = vae.encode(image).latent_dist
    latents = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(seed))
    tensors.update({"vae.image": image, "vae.mean": dist.mean.float(), "vae.std": dist.std.float(),
                    "vae.latents": latents, "vae.decoded": vae.decode(latents).sample.float()})
    meta["vae"] = {"image": "images/input16.png mapped to [-1,1]", "latents": "standard normal, decoded as is"}


@torch.no_grad()
def txt2img_runs(components, tokenizer, base_sched, tensors, meta, seed):
    meta["runs"] = {}
    for k, name in enumerate(SCHEDULERS):
        scheduler = make_scheduler(name, base_sched)
        pipe = make_pipeline("txt2img", *components, tokenizer, scheduler)
        noise = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(seed + k))
        rec = LatentRecorder()
        with NoiseTap(seed + 100 + k, pipe) as tap:
            out = pipe(RUN_PROMPT, negative_prompt=RUN_NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                       height=SIZE, width=SIZE, latents=noise.clone(), output_type="np",
                       callback_on_step_end=rec)
        assert not tap.of("pipeline") and not tap.of("vae") and len(rec.latents) == STEPS
        p = f"run.{name}."
        tensors[p + "noise"] = noise
        tensors[p + "step_noise"] = tap.step_noise(STEPS, (1, 4, 8, 8))
        tensors[p + "step_latents"] = torch.stack(rec.latents)
        tensors[p + "latents"] = rec.latents[-1]
        tensors[p + "image"] = np_image_to_nchw(out.images)
        meta["runs"][name] = dict(describe_scheduler(scheduler), steps=STEPS, guidance=GUIDANCE, prompt=RUN_PROMPT,
                                  negative=RUN_NEGATIVE, width=SIZE, height=SIZE, **schedule_info(scheduler),
                                  steps_with_noise=sorted({s for s, _ in tap.of("scheduler")}))


@torch.no_grad()
def img2img_runs(components, tokenizer, base_sched, tensors, meta, seed, image_path, names=("euler", "ddim", "euler_a")):
    meta["img2img"] = {}
    for k, name in enumerate(names):
        scheduler = make_scheduler(name, base_sched)
        pipe = make_pipeline("img2img", *components, tokenizer, scheduler)
        added = []  # (image latents, noisy start latents) of each add_noise call
        original_add_noise = scheduler.add_noise

        def add_noise(original, noise, timesteps):
            added.append((original.clone(), original_add_noise(original, noise, timesteps)))
            return added[-1][1]
        scheduler.add_noise = add_noise
        rec = LatentRecorder()
        with NoiseTap(seed + 200 + k, pipe) as tap:
            out = pipe(RUN_PROMPT, image=Image.open(image_path).convert("RGB"), strength=IMG2IMG_STRENGTH,
                       negative_prompt=RUN_NEGATIVE, num_inference_steps=IMG2IMG_STEPS, guidance_scale=GUIDANCE,
                       output_type="np", callback_on_step_end=rec)
        del scheduler.add_noise
        run = len(rec.latents)
        assert run == int(IMG2IMG_STEPS * IMG2IMG_STRENGTH) and len(added) == 1
        assert len(tap.of("vae")) == 1 and len(tap.of("pipeline")) == 1
        p = f"img2img.{name}."
        tensors[p + "encode_noise"] = tap.of("vae")[0][1]
        tensors[p + "noise"] = tap.of("pipeline")[0][1]
        tensors[p + "image_latents"] = added[0][0].float()
        tensors[p + "start_latents"] = added[0][1].float()
        tensors[p + "step_noise"] = tap.step_noise(run, (1, 4, 8, 8))
        tensors[p + "step_latents"] = torch.stack(rec.latents)
        tensors[p + "latents"] = rec.latents[-1]
        tensors[p + "image"] = np_image_to_nchw(out.images)
        info = schedule_info(scheduler)
        meta["img2img"][name] = dict(describe_scheduler(scheduler), steps=IMG2IMG_STEPS, strength=IMG2IMG_STRENGTH,
                                     steps_run=run, guidance=GUIDANCE, prompt=RUN_PROMPT, negative=RUN_NEGATIVE,
                                     width=SIZE, height=SIZE, image="images/input16.png",
                                     timesteps_run=info["timesteps"][IMG2IMG_STEPS - run:], **info,
                                     steps_with_noise=sorted({s for s, _ in tap.of("scheduler")}))


@torch.no_grad()
def inpaint_runs(components, tokenizer, base_sched, tensors, meta, seed, image_path, mask_path, names=("euler",)):
    meta["inpaint"] = {}
    unet_channels = components[1].config.in_channels
    for k, name in enumerate(names):
        scheduler = make_scheduler(name, base_sched)
        pipe = make_pipeline("inpaint", *components, tokenizer, scheduler)
        encoded = []
        original_encode = pipe._encode_vae_image
        pipe._encode_vae_image = lambda *a, **kw: encoded.append(original_encode(*a, **kw)) or encoded[-1]
        noise = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(seed + 300 + k))
        rec = LatentRecorder()
        with NoiseTap(seed + 400 + k, pipe) as tap:
            out = pipe(RUN_PROMPT, image=Image.open(image_path).convert("RGB"), mask_image=Image.open(mask_path),
                       strength=1.0, negative_prompt=RUN_NEGATIVE, num_inference_steps=STEPS,
                       guidance_scale=GUIDANCE, height=SIZE, width=SIZE, latents=noise.clone(), output_type="np",
                       callback_on_step_end=rec,
                       callback_on_step_end_tensor_inputs=["latents", "mask", "masked_image_latents"])
        order = ["image", "masked_image"] if unet_channels == 4 else ["masked_image"]
        assert len(encoded) == len(order) == len(tap.of("vae")) and not tap.of("pipeline")
        p = f"inpaint.{name}."
        tensors[p + "noise"] = noise
        tensors[p + "encode_noise"] = torch.stack([x for _, x in tap.of("vae")])
        if unet_channels == 4:
            tensors[p + "image_latents"] = encoded[0].float()
        tensors[p + "masked_image_latents"] = encoded[-1].float()
        tensors[p + "mask"] = rec.extra["mask"]
        tensors[p + "step_noise"] = tap.step_noise(STEPS, (1, 4, 8, 8))
        tensors[p + "step_latents"] = torch.stack(rec.latents)
        tensors[p + "latents"] = rec.latents[-1]
        tensors[p + "image"] = np_image_to_nchw(out.images)
        meta["inpaint"][name] = dict(describe_scheduler(scheduler), steps=STEPS, strength=1.0, guidance=GUIDANCE,
                                     prompt=RUN_PROMPT, negative=RUN_NEGATIVE, width=SIZE, height=SIZE,
                                     image="images/input16.png", mask="images/mask16.png",
                                     unet_in_channels=unet_channels, encode_noise_order=order,
                                     mask_composite_applied=False, **schedule_info(scheduler),
                                     steps_with_noise=sorted({s for s, _ in tap.of("scheduler")}))
