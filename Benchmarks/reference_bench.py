"""The PyTorch/diffusers side of the benchmark: the same work as sdswift-bench, same sizes, same
thread count, SD1.5 shapes, fp32 compute. Weights: the same single-file checkpoint, converted with
diffusers' own ldm converters (offline). Prints the same table as sdswift-bench.

  python3 Benchmarks/reference_bench.py MODEL.safetensors --size 512 --threads 2 --repeat 3
"""
import argparse
import os
import resource
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tools"))


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--only", default="sgemm,load,text,unet,vae,txt2img")
    a = p.parse_args()
    only = set(a.only.split(","))
    import torch
    torch.set_num_threads(a.threads)
    from safetensors.torch import load_file
    from diffusers import AutoencoderKL, UNet2DConditionModel, StableDiffusionPipeline, EulerDiscreteScheduler
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint
    from transformers import CLIPTextConfig, CLIPTextModel
    from reference import full_size

    def timed(fn, repeats):
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            with torch.no_grad():
                fn()
            runs.append(time.perf_counter() - t0)
        return sorted(runs)[len(runs) // 2]

    def row(name, seconds, flops=None):
        g = f"{flops / seconds / 1e9:.1f}" if flops else "-"
        print(f"{name:<34} {seconds:10.3f} {g:>10} {rss_mib():8.0f}", flush=True)

    isa = torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "?"
    print(f"reference (PyTorch {torch.__version__}, ATen {isa}): {a.model}, {a.size}x{a.size}, {a.threads} threads")
    print(f"{'work':<34} {'seconds':>10} {'GFLOP/s':>10} {'RSS MiB':>8}")
    if "sgemm" in only:
        n = 2048
        x, y = torch.full((n, n), 0.5), torch.full((n, n), 0.25)
        row("sgemm 2048^3 (machine peak)", timed(lambda: x @ y, a.repeat), 2 * n ** 3)
    t0 = time.perf_counter()
    ckpt = {k: v.float() for k, v in load_file(a.model).items()}
    unet = UNet2DConditionModel(**full_size.UNET)
    unet.load_state_dict(convert_ldm_unet_checkpoint(ckpt, dict(unet.config)))
    vae = AutoencoderKL(**full_size.VAE)
    vae.load_state_dict(convert_ldm_vae_checkpoint(ckpt, dict(vae.config)))
    text = CLIPTextModel(CLIPTextConfig(**full_size.TEXT))
    # transformers 5 names the text model's parameters without "text_model."; older versions with it
    prefix = "cond_stage_model.transformer." + ("" if "text_model.final_layer_norm.weight" in text.state_dict() else "text_model.")
    text.load_state_dict({k[len(prefix):]: v for k, v in ckpt.items() if k.startswith(prefix) and "position_ids" not in k})
    del ckpt
    unet.eval(); vae.eval(); text.eval()
    if "load" in only:
        row("load", time.perf_counter() - t0)
    lh = a.size // 8
    if "text" in only:
        ids = torch.full((2, 77), 49407); ids[:, 0] = 49406
        row("text encoder 2x77", timed(lambda: text(ids), a.repeat))
    if "unet" in only:
        sample, ctx = torch.full((2, 4, lh, lh), 0.1), torch.full((2, 77, 768), 0.01)
        ctx[1] = 0.02  # two different prompts' contexts for one latent, as guidance runs it
        t = torch.tensor([500.0, 500.0])
        row(f"UNet step {a.size}x{a.size} batch 2", timed(lambda: unet(sample, t, encoder_hidden_states=ctx), a.repeat))
    if "vae" in only:
        lat = torch.full((1, 4, lh, lh), 0.1)
        row(f"VAE decode {a.size}x{a.size}", timed(lambda: vae.decode(lat), a.repeat))
        img = torch.full((1, 3, a.size, a.size), 0.1)
        row(f"VAE encode {a.size}x{a.size}", timed(lambda: vae.encode(img), a.repeat))
    if "txt2img" in only:
        from reference.clip_tokenizer import make_tokenizer
        sched = EulerDiscreteScheduler(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                                       beta_schedule="scaled_linear", steps_offset=1, timestep_spacing="leading")
        pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=make_tokenizer(), unet=unet,
                                       scheduler=sched, safety_checker=None, feature_extractor=None,
                                       requires_safety_checker=False)
        pipe.set_progress_bar_config(disable=True)
        row(f"txt2img {a.size}x{a.size} {a.steps} steps euler",
            timed(lambda: pipe("a photograph of an astronaut riding a horse", height=a.size, width=a.size,
                               num_inference_steps=a.steps), 1))
    print(f"peak RSS: {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
