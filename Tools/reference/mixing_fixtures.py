"""Reference runs for mixed prompts (Tests/Fixtures/reference/mixing.*), on the tiny SD1 folder model.

Both are computed from diffusers components with the formulas sdswift documents (PromptMixMode):
  blend       prompt_embeds = sum_k w_k E_k / sum_k w_k, then a plain StableDiffusionPipeline run;
  composable  one batched UNet call on [uncond, cond_0, cond_1] per step and
              eps = uncond + sum_k (cond_k - uncond) * w_k * guidance (AUTOMATIC1111's combine_denoised),
              written out as the pipeline's Euler loop.
Run through Tools/make_fixtures.py (it calls make()).
"""
import os

import torch

from .outputs import LatentRecorder, jsonable, make_pipeline, make_scheduler, np_image_to_nchw

PROMPT_A = "a photograph of an astronaut riding a horse"
PROMPT_B = "a red circle on the left, white background"
NEGATIVE = "blurry, lowres, watermark"
BLEND_WEIGHTS = (0.7, 0.3)
COMPOSABLE_WEIGHTS = (1.0, 0.6)
GUIDANCE, STEPS, SIZE = 7.5, 4, 16


def load_folder(folder):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel
    text = CLIPTextModel.from_pretrained(os.path.join(folder, "text_encoder"), torch_dtype=torch.float32).eval()
    unet = UNet2DConditionModel.from_pretrained(os.path.join(folder, "unet"), torch_dtype=torch.float32).eval()
    vae = AutoencoderKL.from_pretrained(os.path.join(folder, "vae"), torch_dtype=torch.float32).eval()
    return text, unet, vae


@torch.no_grad()
def embed(text, tokenizer, prompt):
    ids = tokenizer(prompt, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    return text(ids)[0]


@torch.no_grad()
def make(fixtures, tokenizer):
    from .writers import save_tensors, write_json
    folder = os.path.join(fixtures, "models", "sd1-tiny")
    text, unet, vae = load_folder(folder)
    import json
    base_sched = json.load(open(os.path.join(folder, "scheduler", "scheduler_config.json")))
    e_a, e_b, e_neg = (embed(text, tokenizer, p) for p in (PROMPT_A, PROMPT_B, NEGATIVE))
    tensors, meta = {}, {"model": "sd1-tiny (folder)", "prompts": [PROMPT_A, PROMPT_B], "negative": NEGATIVE,
                         "guidance": GUIDANCE, "steps": STEPS, "width": SIZE, "height": SIZE, "sampler": "euler"}

    # Embedding blend through the stock pipeline.
    wa, wb = BLEND_WEIGHTS
    blended = (wa * e_a + wb * e_b) / (wa + wb)
    scheduler = make_scheduler("euler", base_sched)
    pipe = make_pipeline("txt2img", text, unet, vae, tokenizer, scheduler)
    noise = torch.randn(1, 4, SIZE // 2, SIZE // 2, generator=torch.Generator().manual_seed(9100))
    rec = LatentRecorder()
    out = pipe(prompt_embeds=blended, negative_prompt_embeds=e_neg, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
               height=SIZE, width=SIZE, latents=noise.clone(), output_type="np", callback_on_step_end=rec)
    tensors.update({"blend.noise": noise, "blend.context": blended.float(), "blend.latents": rec.latents[-1],
                    "blend.image": np_image_to_nchw(out.images)})
    meta["blend"] = {"weights": list(BLEND_WEIGHTS), "unet_rows_per_step": 2}

    # Composable guidance: one batched UNet call per step.
    scheduler = make_scheduler("euler", base_sched)
    scheduler.set_timesteps(STEPS)
    noise = torch.randn(1, 4, SIZE // 2, SIZE // 2, generator=torch.Generator().manual_seed(9200))
    latents = noise * scheduler.init_noise_sigma
    context = torch.cat([e_neg, e_a, e_b])
    calls = 0
    for t in scheduler.timesteps:
        model_in = scheduler.scale_model_input(torch.cat([latents] * 3), t)
        out = unet(model_in, t, encoder_hidden_states=context).sample
        calls += 1
        uncond = out[0:1]
        eps = uncond.clone()
        for k, w in enumerate(COMPOSABLE_WEIGHTS):
            eps = eps + (out[k + 1:k + 2] - uncond) * (w * GUIDANCE)
        latents = scheduler.step(eps, t, latents).prev_sample
    image = vae.decode(latents / vae.config.scaling_factor).sample
    image = (image / 2 + 0.5).clamp(0, 1)
    tensors.update({"composable.noise": noise, "composable.latents": latents.float(), "composable.image": image.float()})
    meta["composable"] = {"prompt": f"{PROMPT_A} AND {PROMPT_B} :{COMPOSABLE_WEIGHTS[1]}",
                          "weights": list(COMPOSABLE_WEIGHTS), "unet_calls": calls, "unet_rows_per_step": 3}
    save_tensors(os.path.join(fixtures, "reference", "mixing.safetensors"), {k: v.float().contiguous() for k, v in tensors.items()})
    write_json(os.path.join(fixtures, "reference", "mixing.json"), jsonable(meta))
    print(f"mixing: blend and composable references ({len(tensors)} tensors, {calls} UNet calls)")
