"""Tiny LoRA fixtures under Tests/Fixtures/lora/ (contract: Tests/Fixtures/README.md, "LoRA").

One rank-4 LoRA for sd1-tiny, made with PEFT: every Linear and Conv2d of the UNet (attention, feed-forward,
proj_in/out, resnet convs 3x3 and 1x1 shortcuts, time projections, down/upsampler convs, conv_in/out) and
the text encoder's attention and MLP projections. Its weights are drawn here from a fixed seed and rounded
to fp16, so both files below hold the same numbers. lora_alpha 2 (scale alpha/rank = 0.5).
  tiny-peft.safetensors   diffusers/PEFT layout as StableDiffusionPipeline.save_lora_weights writes it
                          (unet.<module>.lora_A.weight / lora_B.weight, text_encoder.<module>...; r and lora_alpha
                          in the `lora_adapter_metadata` JSON), F16
  tiny-kohya.safetensors  kohya/A1111 layout (lora_unet_<module, dots as _>.lora_down.weight / .lora_up.weight /
                          .alpha, lora_te_text_model_encoder_...), F16
Each file is loaded back through diffusers' load_lora_weights and run at adapter weight 0.7 (set_adapters,
UNet and text encoder): reference.safetensors holds the outputs under <layout>.*, and fused.* holds some of
the weights diffusers' fuse_lora gives at that weight.
"""
import os

import torch

from . import outputs
from .noise_tap import NoiseTap
from .tiny_models import MODELS, build, round_to
from .writers import save_tensors, write_json

MODEL, RANK, ALPHA, WEIGHT = "sd1-tiny", 4, 2.0, 0.7
UNET_TARGETS = ["to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out", "ff.net.0.proj", "ff.net.2",
                "conv1", "conv2", "conv_shortcut", "time_emb_proj", "downsamplers.0.conv", "upsamplers.0.conv",
                "conv_in", "conv_out", "time_embedding.linear_1", "time_embedding.linear_2"]
TEXT_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]
# name -> (sampler, guidance): LCM as an LCM-LoRA is used (no classifier-free guidance)
RUNS = {"euler": 7.5, "lcm": 1.0}
# Weights compared after merging (diffusers' fuse_lora): a linear, a 3x3 conv, a strided 3x3 conv, a 1x1 conv
# (SD1 proj_in), a 1x1 shortcut conv, a text projection.
FUSED = ["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
         "unet.down_blocks.0.resnets.0.conv1",
         "unet.down_blocks.0.downsamplers.0.conv",
         "unet.mid_block.attentions.0.proj_in",
         "unet.up_blocks.1.resnets.0.conv_shortcut",
         "text_encoder.encoder.layers.1.self_attn.q_proj"]


def lora_state(model, targets, seed):
    """PEFT state dict {module.lora_A.weight, module.lora_B.weight} with fp16-exact random weights.
    lora_A ~ N(0, 1/fan_in), lora_B ~ N(0, 1/rank): the LoRA moves every layer noticeably."""
    from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model
    model = inject_adapter_in_model(LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=targets), model)
    state = get_peft_model_state_dict(model)
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name in sorted(state):
        shape = state[name].shape
        fan_in = shape[1:].numel()
        out[name] = round_to(torch.randn(shape, generator=g) / fan_in ** 0.5, "fp16")
    return out


def kohya_name(component, module):
    prefix = {"unet": "lora_unet_", "text_encoder": "lora_te_"}[component]
    if component == "text_encoder":
        module = "text_model." + module  # the classic CLIPTextModel names kohya files use
    return prefix + module.replace(".", "_")


def kohya_state(unet_state, text_state):
    out = {}
    for component, state in (("unet", unet_state), ("text_encoder", text_state)):
        for name, value in state.items():
            if ".lora_A." not in name:
                continue
            module = name.split(".lora_A.")[0]
            key = kohya_name(component, module)
            out[key + ".lora_down.weight"] = value.half()
            out[key + ".lora_up.weight"] = state[module + ".lora_B.weight"].half()
            out[key + ".alpha"] = torch.tensor(ALPHA, dtype=torch.float16)
    return out


def half(state):
    return {k: v.half() for k, v in state.items()}


def write_loras(folder):
    import diffusers
    text, unet, _ = build(MODEL)
    seed = MODELS[MODEL]["seed"] * 100 + 5000
    unet_state = lora_state(unet, UNET_TARGETS, seed)
    text_state = lora_state(text, TEXT_TARGETS, seed + 1)
    meta = {"r": RANK, "lora_alpha": ALPHA}
    diffusers.StableDiffusionPipeline.save_lora_weights(
        folder, unet_lora_layers=half(unet_state), text_encoder_lora_layers=half(text_state),
        weight_name="tiny-peft.safetensors",
        unet_lora_adapter_metadata=dict(meta, target_modules=UNET_TARGETS),
        text_encoder_lora_adapter_metadata=dict(meta, target_modules=TEXT_TARGETS))
    save_tensors(os.path.join(folder, "tiny-kohya.safetensors"), kohya_state(unet_state, text_state))
    modules = {"unet": sum(".lora_A." in k for k in unet_state), "text_encoder": sum(".lora_A." in k for k in text_state)}
    return modules


def loaded_pipeline(folder, file, scheduler_name, modules):
    """sd1-tiny with the LoRA file loaded by diffusers at adapter weight WEIGHT."""
    from peft.tuners.lora import LoraLayer
    tokenizer = tokenizer_sd1()
    text, unet, vae = build(MODEL)
    scheduler = outputs.make_scheduler(scheduler_name, MODELS[MODEL]["scheduler"])
    pipe = outputs.make_pipeline("txt2img", text, unet, vae, tokenizer, scheduler)
    if file is not None:
        pipe.load_lora_weights(folder, weight_name=file, adapter_name="tiny")
        pipe.set_adapters(["tiny"], adapter_weights=[WEIGHT])
        for component, count in modules.items():  # every module of the file was applied, at 0.7 * alpha / r
            layers = [m for m in getattr(pipe, component).modules() if isinstance(m, LoraLayer)]
            assert len(layers) == count, (file, component, len(layers), count)
            assert all(abs(m.scaling["tiny"] - WEIGHT * ALPHA / RANK) < 1e-7 for m in layers), (file, component)
    return pipe


_TOKENIZER = []


def tokenizer_sd1():
    if not _TOKENIZER:
        from . import clip_tokenizer as ct
        _TOKENIZER.append(ct.make_tokenizer(ct.EOS, ct.load_merges()))
    return _TOKENIZER[0]


@torch.no_grad()
def layout_outputs(folder, file, layout, modules, tensors, meta, seed):
    p = f"{layout}."
    pipe = loaded_pipeline(folder, file, "euler", modules)
    ids = tokenizer_sd1()(outputs.RUN_PROMPT, padding="max_length", max_length=77, truncation=True,
                          return_tensors="pt").input_ids
    tensors[p + "text.hidden"] = pipe.text_encoder(ids)[0].float()
    tensors[p + "unet.out"] = pipe.unet(tensors["unet.sample"], torch.tensor([500.0]),
                                        encoder_hidden_states=tensors["unet.context"]).sample.float()
    for k, (name, guidance) in enumerate(RUNS.items()):
        pipe = loaded_pipeline(folder, file, name, modules)
        noise = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(seed + k))
        rec = outputs.LatentRecorder()
        with NoiseTap(seed + 100 + k, pipe) as tap:
            out = pipe(outputs.RUN_PROMPT, negative_prompt=outputs.RUN_NEGATIVE, num_inference_steps=outputs.STEPS,
                       guidance_scale=guidance, height=outputs.SIZE, width=outputs.SIZE, latents=noise.clone(),
                       output_type="np", callback_on_step_end=rec)
        r = f"{p}run.{name}."
        tensors[r + "noise"] = noise
        tensors[r + "step_noise"] = tap.step_noise(outputs.STEPS, (1, 4, 8, 8))
        tensors[r + "latents"] = rec.latents[-1]
        tensors[r + "image"] = outputs.np_image_to_nchw(out.images)
        meta["runs"][name] = dict(outputs.describe_scheduler(pipe.scheduler), steps=outputs.STEPS, guidance=guidance,
                                  prompt=outputs.RUN_PROMPT, negative=outputs.RUN_NEGATIVE,
                                  width=outputs.SIZE, height=outputs.SIZE)


@torch.no_grad()
def fused_weights(folder, modules, tensors):
    pipe = loaded_pipeline(folder, "tiny-peft.safetensors", "euler", modules)
    pipe.fuse_lora(components=["unet", "text_encoder"], lora_scale=1.0)
    for name in FUSED:
        component, module = name.split(".", 1)
        layer = getattr(pipe, component).get_submodule(module)
        weight = layer.base_layer.weight if hasattr(layer, "base_layer") else layer.weight
        tensors["fused." + name] = weight.detach().float().clone()


def max_diff(a, b):
    return float((a - b).abs().max())


def make_lora_fixtures(fixtures):
    import diffusers
    folder = os.path.join(fixtures, "lora")
    modules = write_loras(folder)
    g = torch.Generator().manual_seed(MODELS[MODEL]["seed"] * 100 + 5100)
    tensors = {"unet.sample": torch.randn(2, 4, 8, 8, generator=g)}
    base = loaded_pipeline(folder, None, "euler", modules)
    ids = [tokenizer_sd1()(p, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
           for p in ("", outputs.RUN_PROMPT)]
    with torch.no_grad():
        tensors["unet.context"] = torch.cat([base.text_encoder(i)[0] for i in ids]).float()
        base_unet = base.unet(tensors["unet.sample"], torch.tensor([500.0]),
                              encoder_hidden_states=tensors["unet.context"]).sample.float()
    meta = {"model": MODEL, "rank": RANK, "alpha": ALPHA, "weight": WEIGHT, "diffusers_version": diffusers.__version__,
            "modules": modules, "layouts": {"peft": "tiny-peft.safetensors", "kohya": "tiny-kohya.safetensors"},
            "unet": {"timestep": 500.0, "context": "text of '' then of the run prompt, without the LoRA"},
            "runs": {}, "fused": FUSED}
    seed = MODELS[MODEL]["seed"] * 100 + 5200
    for layout, file in meta["layouts"].items():
        layout_outputs(folder, file, layout, modules, tensors, meta, seed)
    fused_weights(folder, modules, tensors)
    # the two layouts are the same LoRA: diffusers must give the same outputs for both
    for k in [k for k in tensors if k.startswith("peft.")]:
        d = max_diff(tensors[k], tensors["kohya." + k[5:]])
        assert d < 1e-5, (k, d)
    change = max_diff(tensors["peft.unet.out"], base_unet)
    assert change > 0.05, change  # the LoRA changes the model's output noticeably
    save_tensors(os.path.join(folder, "reference.safetensors"), {k: v.float() for k, v in tensors.items()})
    write_json(os.path.join(folder, "reference.json"), meta)
    sizes = {f: os.path.getsize(os.path.join(folder, f)) for f in sorted(os.listdir(folder))}
    print(f"lora: modules {modules}, unet output change {change:.3f}, files {sizes}")
