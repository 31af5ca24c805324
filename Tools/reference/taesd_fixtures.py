"""Fixtures for TAESD (AutoencoderTiny), a separate VAE file, and few-step (SD-Turbo / LCM) runs.

    python3 Tools/reference/taesd_fixtures.py     # only these (make_fixtures.py also calls make())

Writes, all float32 compute, weights drawn as in tiny_models.py (rounded to fp16):

Tests/Fixtures/taesd/
  taesd-tiny/              diffusers AutoencoderTiny folder (config.json + diffusion_pytorch_model.safetensors,
                           F16): the real TAESD layout (encoder blocks 1,3,3,3; decoder 3,3,3,1; 8x) at 8
                           channels instead of 64
  taesd-tiny_encoder.safetensors, taesd-tiny_decoder.safetensors
                           the same weights in madebyollin/taesd's original layout (F32): nn.Sequential
                           indices; the decoder's are the diffusers index + 1 (its index 0 is the Clamp)
  taesd2x.safetensors      a 2-stage TAESD (blocks 1,1 / 1,1; 2x, F16, diffusers keys, no folder) that fits
                           the tiny SD models' 2x VAE, for fast final decodes through the pipeline
  reference.safetensors    taesd.latents [1,4,8,8] (N(0,1)*1.5), taesd.decoded [1,3,64,64] (decode, [-1,1]
                           scale, not clamped), taesd.image [1,3,64,64] in [-1,1], taesd.encoded [1,4,8,8];
                           fast.noise [1,4,8,8], fast.image [1,3,16,16] (0..1): StableDiffusionPipeline with
                           sd1-tiny and vae=taesd2x (scaling_factor 1.0: the pipeline's latents are
                           decoded as they are), euler, 2 steps, guidance 7.5, prompt/negative as the runs
Tests/Fixtures/vae/
  vae-tiny-ldm.safetensors the tiny models' VAE architecture with its own weights, original (ldm) names
                           WITHOUT the first_stage_model. prefix, F16, as standalone VAE files are
  reference.safetensors    vae.latents [1,4,8,8], vae.decoded [1,3,16,16] (decode as is);
                           run.noise, run.latents, run.image: sd1-tiny with this VAE (euler, 2 steps,
                           guidance 7.5, prompt/negative as the runs)
Tests/Fixtures/onestep/
  reference.safetensors + reference.json
                           turbo.noise / turbo.step_noise [1,1,4,8,8] / turbo.latents / turbo.image: sd2-tiny's
                           weights as an SD-Turbo-like model (prediction epsilon, timestep_spacing "trailing"),
                           EulerAncestral, 1 step, guidance 1 (no unconditional pass; guidance 0 is identical
                           in diffusers); lcm.*: sd1-tiny with LCMScheduler, 4 steps, guidance 1
                           (step_noise [4,1,4,8,8], zeros where none was drawn)
"""
import copy
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from reference import clip_tokenizer as ct  # noqa: E402
from reference import ldm_convert, outputs  # noqa: E402
from reference.noise_tap import NoiseTap  # noqa: E402
from reference.tiny_models import MODELS, VAE, build, randomize_  # noqa: E402
from reference.writers import save_tensors, write_json  # noqa: E402

TAESD_TINY = dict(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                  num_encoder_blocks=(1, 3, 3, 3), num_decoder_blocks=(3, 3, 3, 1), latent_channels=4)
TAESD_2X = dict(encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
                num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1), latent_channels=4)
SEED = 7000


def _tiny_autoencoder(config, seed):
    from diffusers import AutoencoderTiny
    return randomize_(AutoencoderTiny(**config), seed, "fp16").eval()


def _original_layout(model):
    """madebyollin/taesd's taesd_encoder / taesd_decoder state dicts (their nn.Sequential indices)."""
    enc, dec = {}, {}
    for k, v in model.state_dict().items():
        part, _, index, rest = k.split(".", 3)
        if part == "encoder":
            enc[f"{index}.{rest}"] = v.clone()
        else:
            dec[f"{int(index) + 1}.{rest}"] = v.clone()  # decoder index 0 is the parameterless Clamp
    return enc, dec


class _Clamp(torch.nn.Module):
    def forward(self, x):
        return torch.tanh(x / 3) * 3


def _original_modules(model):
    """The original taesd.py Encoder/Decoder structure (Sequential of the same layers), to check that the
    original-layout files mean what the diffusers names mean: same outputs on the original [0, 1] scale."""
    enc = torch.nn.Sequential(*copy.deepcopy(list(model.encoder.layers)))
    dec = torch.nn.Sequential(_Clamp(), *copy.deepcopy(list(model.decoder.layers)))
    return enc, dec


@torch.no_grad()
def make_taesd(root, tokenizer):
    folder = os.path.join(root, "taesd")
    model = _tiny_autoencoder(TAESD_TINY, SEED + 1)
    model.save_config(os.path.join(folder, "taesd-tiny"))
    save_tensors(os.path.join(folder, "taesd-tiny", "diffusion_pytorch_model.safetensors"),
                 {k: v.half() for k, v in model.state_dict().items()})
    enc, dec = _original_layout(model)
    save_tensors(os.path.join(folder, "taesd-tiny_encoder.safetensors"), enc)
    save_tensors(os.path.join(folder, "taesd-tiny_decoder.safetensors"), dec)

    g = torch.Generator().manual_seed(SEED + 10)
    latents = torch.randn(1, 4, 8, 8, generator=g) * 1.5
    y, x = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing="ij")
    image = torch.stack([x, y, torch.sin(3 * x * y)])[None] * 0.9
    tensors = {"taesd.latents": latents, "taesd.decoded": model.decode(latents).sample,
               "taesd.image": image, "taesd.encoded": model.encode(image).latents}

    # the original layout: load the files into the original structure and compare (0..1 image scale)
    o_enc, o_dec = _original_modules(model)
    o_enc.load_state_dict(enc)
    o_dec.load_state_dict(dec)
    assert torch.allclose(o_dec(latents) * 2 - 1, tensors["taesd.decoded"], atol=1e-6)
    assert torch.allclose(o_enc((image + 1) / 2), tensors["taesd.encoded"], atol=1e-6)

    small = _tiny_autoencoder(TAESD_2X, SEED + 2)
    save_tensors(os.path.join(folder, "taesd2x.safetensors"), {k: v.half() for k, v in small.state_dict().items()})
    text, unet, _ = build("sd1-tiny")
    noise = torch.randn(1, 4, 8, 8, generator=g)
    tensors["fast.noise"] = noise
    tensors["fast.image"] = _run(text, unet, small, tokenizer, "euler", MODELS["sd1-tiny"]["scheduler"], noise,
                                 steps=2, guidance=7.5)[1]
    save_tensors(os.path.join(folder, "reference.safetensors"), {k: v.float().contiguous() for k, v in tensors.items()})
    print(f"taesd: {len(tensors)} reference tensors, decode range {tensors['taesd.decoded'].abs().max():.3f}")


def _run(text, unet, vae, tokenizer, sampler, scheduler_config, noise, steps, guidance, tap_seed=None):
    """One txt2img run of StableDiffusionPipeline. Returns (final latents, image [1,3,16,16] 0..1, step noise)."""
    scheduler = outputs.make_scheduler(sampler, scheduler_config)
    pipe = outputs.make_pipeline("txt2img", text, unet, vae, tokenizer, scheduler)
    rec = outputs.LatentRecorder()
    with NoiseTap(tap_seed if tap_seed is not None else SEED + 99, pipe) as tap:
        out = pipe(outputs.RUN_PROMPT, negative_prompt=outputs.RUN_NEGATIVE, num_inference_steps=steps,
                   guidance_scale=guidance, height=16, width=16, latents=noise.clone(), output_type="np",
                   callback_on_step_end=rec)
    assert not tap.of("pipeline") and not tap.of("vae") and len(rec.latents) == steps
    return rec.latents[-1], outputs.np_image_to_nchw(out.images), tap.step_noise(steps, (1, 4, 8, 8)), scheduler


@torch.no_grad()
def make_vae(root, tokenizer):
    from diffusers import AutoencoderKL
    from diffusers.loaders import single_file_utils as sfu
    folder = os.path.join(root, "vae")
    vae = randomize_(AutoencoderKL(**copy.deepcopy(VAE)), SEED + 3, "fp16").eval()
    ldm = {k[len(ldm_convert.VAE_PREFIX):]: v.half() for k, v in ldm_convert.vae_to_ldm(vae.state_dict(), dict(vae.config)).items()}
    path = os.path.join(folder, "vae-tiny-ldm.safetensors")
    save_tensors(path, ldm)
    # diffusers reads the prefix-less file back to the same weights
    from safetensors.torch import load_file
    back = sfu.convert_ldm_vae_checkpoint(load_file(path), dict(vae.config))
    assert set(back) == set(vae.state_dict()) and all(torch.equal(back[k].float(), v) for k, v in vae.state_dict().items())

    g = torch.Generator().manual_seed(SEED + 20)
    latents = torch.randn(1, 4, 8, 8, generator=g)
    tensors = {"vae.latents": latents, "vae.decoded": vae.decode(latents).sample}
    text, unet, _ = build("sd1-tiny")
    noise = torch.randn(1, 4, 8, 8, generator=g)
    final, image, _, _ = _run(text, unet, vae, tokenizer, "euler", MODELS["sd1-tiny"]["scheduler"], noise, 2, 7.5)
    tensors.update({"run.noise": noise, "run.latents": final, "run.image": image})
    save_tensors(os.path.join(folder, "reference.safetensors"), {k: v.float().contiguous() for k, v in tensors.items()})
    print(f"vae: {path} ({len(ldm)} tensors) loads back through convert_ldm_vae_checkpoint; {len(tensors)} reference tensors")


@torch.no_grad()
def make_onestep(root, tokenizers):
    folder = os.path.join(root, "onestep")
    g = torch.Generator().manual_seed(SEED + 30)
    tensors, meta = {}, {}
    # SD-Turbo: the SD 2.1 architecture, epsilon, "trailing" spacing (1 step at t = 999), no guidance.
    text, unet, vae = build("sd2-tiny")
    turbo = dict(MODELS["sd2-tiny"]["scheduler"], prediction_type="epsilon", timestep_spacing="trailing")
    cases = [("turbo", text, unet, vae, tokenizers[1], "euler_a", turbo, 1),
             ("lcm", *build("sd1-tiny"), tokenizers[0], "lcm", MODELS["sd1-tiny"]["scheduler"], 4)]
    for name, text, unet, vae, tokenizer, sampler, sched, steps in cases:
        noise = torch.randn(1, 4, 8, 8, generator=g)
        results = []
        for guidance in (1.0, 0.0):
            calls = []
            hook = unet.register_forward_pre_hook(lambda m, args: calls.append(args[0].shape[0]))
            results.append(_run(text, unet, vae, tokenizer, sampler, sched, noise, steps, guidance, SEED + 40))
            hook.remove()
            assert calls == [1] * steps, calls  # one UNet call of batch 1 per step
        assert torch.equal(results[0][1], results[1][1])  # guidance 0 and 1 are the same (no CFG)
        final, image, step_noise, scheduler = results[0]
        tensors.update({f"{name}.noise": noise, f"{name}.step_noise": step_noise, f"{name}.latents": final,
                        f"{name}.image": image})
        meta[name] = dict(outputs.describe_scheduler(scheduler), steps=steps, guidance=1.0, prompt=outputs.RUN_PROMPT,
                          width=16, height=16, unet_calls=steps, unet_batch=1, **outputs.schedule_info(scheduler))
    save_tensors(os.path.join(folder, "reference.safetensors"), {k: v.float().contiguous() for k, v in tensors.items()})
    write_json(os.path.join(folder, "reference.json"), outputs.jsonable(meta))
    print(f"onestep: turbo timesteps {meta['turbo']['timesteps']}, lcm timesteps {meta['lcm']['timesteps']}")


def make(fixtures, tokenizers):
    """tokenizers: (SD1, SD2) as make_fixtures.py builds them."""
    make_taesd(fixtures, tokenizers[0])
    make_vae(fixtures, tokenizers[0])
    make_onestep(fixtures, tokenizers)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(1)
    import diffusers
    diffusers.utils.logging.set_verbosity_error()
    merges = ct.load_merges()
    make(os.path.join(os.path.dirname(os.path.dirname(HERE)), "Tests", "Fixtures"),
         (ct.make_tokenizer(ct.EOS, merges), ct.make_tokenizer("!", merges)))
