"""Tiny Stable Diffusion models with real architectures and random, deterministic weights.

Weights do not come from the libraries' own initialisers (those change between versions): every
parameter is drawn here, in sorted-name order, from a torch.Generator with a fixed seed:
  Linear / Conv weight   N(0, 1/fan_in)       (keeps activations near unit scale)
  Linear / Conv bias     U(-0.2, 0.2)
  GroupNorm / LayerNorm  weight U(0.5, 1.5), bias U(-0.3, 0.3)   (not 1 and 0, so tests see them)
  Embedding              N(0, 0.7^2)
Values are then rounded to the storage precision (fp16, or bf16 that is also fp16-exact), so that
every file of a model holds exactly the same numbers.
"""
import copy

import torch

TEXT_COMMON = dict(vocab_size=49408, hidden_size=8, intermediate_size=37, num_hidden_layers=2,
                   num_attention_heads=1, max_position_embeddings=77, layer_norm_eps=1e-5,
                   bos_token_id=49406, eos_token_id=49407, pad_token_id=1, projection_dim=8)
TEXT_SD1 = dict(TEXT_COMMON, hidden_act="quick_gelu")
TEXT_SD2 = dict(TEXT_COMMON, hidden_act="gelu")

UNET_SD1 = dict(sample_size=8, in_channels=4, out_channels=4, block_out_channels=(32, 64), layers_per_block=2,
                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
                cross_attention_dim=8, attention_head_dim=8, norm_num_groups=32)
# SD2: linear projections, head dim 64 (1 head at 64 channels, 2 at 128). One layer per block keeps the
# file small and makes the loader detect layers_per_block instead of assuming 2.
UNET_SD2 = dict(sample_size=8, in_channels=4, out_channels=4, block_out_channels=(64, 128), layers_per_block=1,
                down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
                up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
                cross_attention_dim=8, attention_head_dim=(1, 2), use_linear_projection=True, norm_num_groups=32)
UNET_SD1_INPAINT = dict(UNET_SD1, in_channels=9)

VAE = dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
           up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(32, 64), layers_per_block=1,
           latent_channels=4, norm_num_groups=32, sample_size=16, scaling_factor=0.18215)

SCHEDULE = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                trained_betas=None, steps_offset=1, timestep_spacing="leading", clip_sample=False,
                set_alpha_to_one=False, skip_prk_steps=True)
# As in the real folders: SD1.5 ships PNDM (epsilon), SD2.1 ships DDIM (v_prediction).
SCHEDULER_SD1 = dict(SCHEDULE, _class_name="PNDMScheduler", prediction_type="epsilon")
SCHEDULER_SD2 = dict(SCHEDULE, _class_name="DDIMScheduler", prediction_type="v_prediction")

# name -> (family, text cfg, unet cfg, seed, single-file dtype, folder?)
MODELS = {
    "sd1-tiny": dict(family="sd1", text=TEXT_SD1, unet=UNET_SD1, vae=VAE, scheduler=SCHEDULER_SD1, seed=1000,
                     precision="fp16", file_dtype=torch.float16, folder=True),
    "sd2-tiny": dict(family="sd2", text=TEXT_SD2, unet=UNET_SD2, vae=VAE, scheduler=SCHEDULER_SD2, seed=2000,
                     precision="bf16", file_dtype=torch.bfloat16, folder=True),
    "sd1-inpaint-tiny": dict(family="sd1", text=TEXT_SD1, unet=UNET_SD1_INPAINT, vae=VAE, scheduler=SCHEDULER_SD1,
                             seed=3000, precision="fp16", file_dtype=torch.float16, folder=False),
}


def round_to(t, precision):
    """Values exactly representable in fp16 (and, for "bf16", in bf16 as well)."""
    if precision == "bf16":
        t = t.to(torch.bfloat16).float()
        t = torch.where(t.abs() < 2.0 ** -14, torch.zeros_like(t), t)  # fp16 subnormals lose bits
    t = t.to(torch.float16).float()
    if precision == "bf16":
        assert torch.equal(t.to(torch.bfloat16).float(), t)
    return t


def init_value(owner, kind, shape, g):
    """A fresh random value for parameter `kind` ("weight"/"bias") of module `owner`."""
    if isinstance(owner, (torch.nn.GroupNorm, torch.nn.LayerNorm)):
        if kind == "weight":
            return torch.rand(shape, generator=g) + 0.5
        return (torch.rand(shape, generator=g) - 0.5) * 0.6
    if isinstance(owner, torch.nn.Embedding):
        return torch.randn(shape, generator=g) * 0.7
    if isinstance(owner, (torch.nn.Linear, torch.nn.Conv2d)):
        if kind == "weight":
            fan_in = 1
            for d in shape[1:]:
                fan_in *= d
            return torch.randn(shape, generator=g) / fan_in ** 0.5
        return (torch.rand(shape, generator=g) - 0.5) * 0.4
    raise TypeError(f"no init rule for a {kind} of {type(owner).__name__}")


def random_state(model, seed):
    """(name, owner module, kind, shape) of every parameter, in sorted order, with a seeded generator."""
    g = torch.Generator().manual_seed(seed)
    for name, p in sorted(model.named_parameters()):
        owner_name, kind = name.rsplit(".", 1)
        yield name, init_value(model.get_submodule(owner_name), kind, tuple(p.shape), g)


@torch.no_grad()
def randomize_(model, seed, precision):
    params = dict(model.named_parameters())
    for name, value in random_state(model, seed):
        params[name].copy_(round_to(value, precision))
    return model


def build(name):
    """The three components of a tiny model, fp32, in eval mode."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    spec = MODELS[name]
    seed, precision = spec["seed"], spec["precision"]
    text = randomize_(CLIPTextModel(CLIPTextConfig(**spec["text"])), seed + 1, precision).eval()
    unet = randomize_(UNet2DConditionModel(**copy.deepcopy(spec["unet"])), seed + 2, precision).eval()
    vae = randomize_(AutoencoderKL(**copy.deepcopy(spec["vae"])), seed + 3, precision).eval()
    if spec["family"] == "sd1":
        # An untrained epsilon model predicts noise of the wrong size, and the samplers' x0 estimate
        # (x - sigma * eps) then runs to |latents| ~ 70 at sigma ~ 15, where float32 rounding alone is
        # ~1e-4. Real denoisers keep latents at a few units; smaller outputs keep the tiny one there too.
        with torch.no_grad():
            for p in (unet.conv_out.weight, unet.conv_out.bias):
                p.copy_(round_to(p * 0.125, precision))
    return text, unet, vae


def extra_openclip_tensors(name, text_cfg):
    """What an SD2 (OpenCLIP) checkpoint holds beyond the layers diffusers runs: one more (unused) last
    resblock in OpenCLIP layout, text_projection [hidden, proj] and logit_scale (scalar)."""
    spec = MODELS[name]
    g = torch.Generator().manual_seed(spec["seed"] + 4)
    h, f = text_cfg["hidden_size"], text_cfg["intermediate_size"]
    n = text_cfg["num_hidden_layers"]
    p = f"transformer.resblocks.{n}."

    def lin(o, i):
        return round_to(torch.randn(o, i, generator=g) / i ** 0.5, spec["precision"])

    def vec(k, scale=0.4, offset=0.0):
        return round_to((torch.rand(k, generator=g) - 0.5) * scale + offset, spec["precision"])

    return {
        p + "ln_1.weight": vec(h, 1.0, 1.0), p + "ln_1.bias": vec(h, 0.6),
        p + "attn.in_proj_weight": lin(3 * h, h), p + "attn.in_proj_bias": vec(3 * h),
        p + "attn.out_proj.weight": lin(h, h), p + "attn.out_proj.bias": vec(h),
        p + "ln_2.weight": vec(h, 1.0, 1.0), p + "ln_2.bias": vec(h, 0.6),
        p + "mlp.c_fc.weight": lin(f, h), p + "mlp.c_fc.bias": vec(f),
        p + "mlp.c_proj.weight": lin(h, f), p + "mlp.c_proj.bias": vec(h),
        "text_projection": lin(h, text_cfg["projection_dim"]),
        "logit_scale": torch.tensor(4.6052),  # ln(100), a 0-dimensional tensor as in real files
    }


def ddpm_buffers(schedule):
    """The schedule buffers LatentDiffusion registers (real single files carry them; loaders ignore them)."""
    n = schedule["num_train_timesteps"]
    betas = torch.linspace(schedule["beta_start"] ** 0.5, schedule["beta_end"] ** 0.5, n, dtype=torch.float64) ** 2
    alphas_cumprod = torch.cumprod(1.0 - betas, 0)
    prev = torch.cat([torch.ones(1, dtype=torch.float64), alphas_cumprod[:-1]])
    post_var = betas * (1.0 - prev) / (1.0 - alphas_cumprod)
    return {
        "betas": betas, "alphas_cumprod": alphas_cumprod, "alphas_cumprod_prev": prev,
        "sqrt_alphas_cumprod": alphas_cumprod.sqrt(), "sqrt_one_minus_alphas_cumprod": (1 - alphas_cumprod).sqrt(),
        "log_one_minus_alphas_cumprod": (1 - alphas_cumprod).log(),
        "sqrt_recip_alphas_cumprod": (1 / alphas_cumprod).sqrt(),
        "sqrt_recipm1_alphas_cumprod": (1 / alphas_cumprod - 1).sqrt(),
        "posterior_variance": post_var,
        "posterior_log_variance_clipped": torch.log(torch.cat([post_var[1:2], post_var[1:]])),
        "posterior_mean_coef1": betas * prev.sqrt() / (1 - alphas_cumprod),
        "posterior_mean_coef2": (1 - prev) * (1 - betas).sqrt() / (1 - alphas_cumprod),
    }
