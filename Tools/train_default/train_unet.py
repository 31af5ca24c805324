"""Stage 2: trains the default model's UNet and text encoder on latents of the (finalised) VAE.

Epsilon prediction on the SD1 schedule (scaled_linear 0.00085..0.012, 1000 steps), min-SNR-5 loss
weighting, offset noise, low-resolution noise and extra samples at high t (so that the prompt, not the initial noise,
decides the background and the position: with the SD schedule both stay readable in x_t down to
t ~ 950, so the prompt only matters for them in the last few percent of timesteps), caption
dropout (empty prompt) for classifier-free guidance, EMA weights for sampling.
The text encoder's token embedding stays frozen at its random init (well separated tokens; it is
3.2 M of the 3.3 M text parameters); its position embedding and transformer layers train.

Every --ckpt-every minutes: RUN_DIR/ckpt_latest.pt; then 48 samples (StableDiffusionPipeline, Euler 20,
guidance 6) scored by the checker, logged to RUN_DIR/log.txt and RUN_DIR/evals.jsonl; a better score
saves RUN_DIR/ckpt_best.pt and (with --export) writes Models/default/sdswift-default.safetensors.
Usage: python train_unet.py [--hours 8] [--resume] [--export] [--commit]
"""
import argparse
import copy
import os
import random
import time

import common  # noqa: F401
import torch
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

import drawings
import sampling
from common import RUN_DIR, SCHEDULE, TEXT, UNETS, log, to_tensor

p = argparse.ArgumentParser()
p.add_argument("--hours", type=float, default=8)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--dropout", type=float, default=0.15)
p.add_argument("--ema", type=float, default=0.999)
p.add_argument("--high-t", type=float, default=0.35,
               help="fraction of samples with t drawn from [850, 999] instead of [0, 999]: the background and "
                    "the position can only be learned from the prompt where the noise hides them")
p.add_argument("--lowres-noise", type=float, default=0.3,
               help="std of 4x4 noise (bilinearly upsampled) added to the noise: hides where the shape is at "
                    "high t, so the position has to come from the prompt")
p.add_argument("--offset-noise", type=float, default=0.25,
               help="std of a per-channel constant added to the noise: the SD schedule leaks the latent "
                    "mean at t=999, so without it the background followed the initial noise, not the prompt")
p.add_argument("--x0-floor", type=float, default=0.0,
               help="least weight of the x0-space error (min-SNR-5 gives SNR, ~0.005 at t=999): with epsilon "
                    "prediction a shape in the wrong place costs almost nothing at high t, where the prompt must "
                    "decide the place; e.g. 0.1 weighs t=999 21x")
p.add_argument("--boost-words", default="",
               help="comma-separated words whose (frozen) token embeddings are redrawn with std --boost-std at the "
                    "start of this run, in the live and the EMA text encoder: at the init std 0.02 the text encoder "
                    "had made left/center/right contexts nearly equal (max difference 0.02 vs 4.3 for red/blue), so "
                    "the UNet could not follow positions")
p.add_argument("--boost-std", type=float, default=0.5)
p.add_argument("--probe-loss", type=float, default=0.0,
               help="weight of an auxiliary loss that makes the text encoder carry every attribute in its EOS/padding "
                    "tokens (linear probes on their mean predict shape, colour, position, background; the probes are "
                    "not exported). Why: the UNet attends mostly to the 67 padding tokens, which carried colour but not "
                    "position (left/right contexts differed there by 0.018), so no UNet could follow positions")
p.add_argument("--partial-captions", type=float, default=0.0,
               help="fraction of (non-dropped) captions replaced by a shorter one (drawings.partial_captions), so "
                    "prompts like 'a green square' work (an inpainting user's prompt)")
p.add_argument("--ckpt-every", type=float, default=10.0, help="minutes")
p.add_argument("--per-combo", type=int, default=32, help="drawings per combination in the latent pool")
p.add_argument("--resume", action="store_true")
p.add_argument("--unet", choices=sorted(UNETS), default="3-level", help="UNet config (common.py); a resumed run keeps its own")
p.add_argument("--init-text", help="checkpoint whose (EMA) text encoder starts this run (a fresh UNet learns faster "
                                   "against a text encoder that already separates the attributes)")
p.add_argument("--export", action="store_true", help="export Models/default on every new best")
p.add_argument("--commit", action="store_true",
               help="git-commit the exported file (only it) when the score rose by >= 0.05 since the last "
                    "commit and an hour has passed (each commit adds ~11 MB to the repository)")
a = p.parse_args()

LOG = os.path.join(RUN_DIR, "log.txt")
torch.manual_seed(1)
rng = random.Random(1)
vae = AutoencoderKL.from_pretrained(os.path.join(RUN_DIR, "vae_final")).eval()
sf = vae.config.scaling_factor
tok = sampling.tokenizer()

# Latent pool: per-combination jittered drawings, encoded once (mean and std of the posterior, scaled).
pool_path = os.path.join(RUN_DIR, f"latents_{a.per_combo}.pt")
combos = drawings.all_combinations()
captions = [drawings.caption(*c) for c in combos] + [""]
N_PARTIAL = len(drawings.partial_captions(*combos[0]))
captions += [x for c in combos for x in drawings.partial_captions(*c)]  # combo i's: EMPTY + 1 + N_PARTIAL*i + k
if os.path.exists(pool_path):
    pool = torch.load(pool_path)
else:
    t0 = time.time()
    images, attrs, _ = drawings.dataset(a.per_combo * len(combos), seed=2024)
    means, stds = [], []
    with torch.no_grad():
        for i in range(0, len(images), 64):
            d = vae.encode(to_tensor(images[i:i + 64])).latent_dist
            means.append(d.mean * sf)
            stds.append(d.std * sf)
    pool = dict(mean=torch.cat(means), std=torch.cat(stds),
                caption=torch.tensor([combos.index(x) for x in attrs]))
    torch.save(pool, pool_path)
    log(LOG, f"encoded {len(images)} drawings in {time.time() - t0:.0f} s; latent std {pool['mean'].std():.3f}, "
             f"posterior std mean {pool['std'].mean():.4f}")
ids = torch.tensor(tok(captions, padding="max_length", max_length=77, truncation=True).input_ids)
EMPTY = len(combos)

UNET = UNETS[a.unet]
if a.resume:
    UNET = torch.load(os.path.join(RUN_DIR, "ckpt_latest.pt"))["unet_config"]
text = CLIPTextModel(CLIPTextConfig(**TEXT))
unet = UNet2DConditionModel(**UNET)
if a.init_text and not a.resume:
    text.load_state_dict(torch.load(a.init_text)["ema_text"])
text.get_input_embeddings().weight.requires_grad_(False)
step, trained_s, best = 0, 0.0, -1.0
# Linear probes for --probe-loss: one per attribute, on the mean of the tokens after EOS's first occurrence.
ATTRS = [drawings.SHAPES, list(drawings.COLOURS), list(drawings.POSITIONS), list(drawings.BACKGROUNDS)]
probes = torch.nn.ModuleList([torch.nn.Linear(TEXT["hidden_size"], len(v)) for v in ATTRS])
attr_labels = torch.tensor([[ATTRS[k].index(c[k]) for k in range(4)] for c in combos] + [[-1] * 4])
# A partial caption names no position (k=0 and 2 of partial_captions) or no background (k=0 and 1): label -1 (ignored).
partial_labels = torch.tensor([[ATTRS[0].index(c[0]), ATTRS[1].index(c[1]),
                                ATTRS[2].index(c[2]) if k == 1 else -1, ATTRS[3].index(c[3]) if k == 2 else -1]
                               for c in combos for k in range(N_PARTIAL)])
attr_labels = torch.cat([attr_labels, partial_labels])
main_params = [p for p in list(unet.parameters()) + list(text.parameters()) if p.requires_grad]
params = main_params + list(probes.parameters())
opt = torch.optim.AdamW(main_params, lr=a.lr, weight_decay=0.01)  # + the probes' group (below)
ema_unet, ema_text = copy.deepcopy(unet).eval(), copy.deepcopy(text).eval()  # after --init-text
ckpt_path = os.path.join(RUN_DIR, "ckpt_latest.pt")
if not a.resume:
    opt.add_param_group({"params": list(probes.parameters())})
if a.resume:
    ck = torch.load(ckpt_path)
    unet.load_state_dict(ck["unet"]); text.load_state_dict(ck["text"])
    ema_unet.load_state_dict(ck["ema_unet"]); ema_text.load_state_dict(ck["ema_text"])
    if len(ck["opt"]["param_groups"]) == 1:  # a checkpoint from before the probes
        opt.load_state_dict(ck["opt"])
        opt.add_param_group({"params": list(probes.parameters())})
    else:
        opt.add_param_group({"params": list(probes.parameters())})
        opt.load_state_dict(ck["opt"])
    if "probes" in ck:
        probes.load_state_dict(ck["probes"])
    step, trained_s, best = ck["step"], ck["trained_s"], ck["best"]
    rng.seed(step)
    torch.manual_seed(step)
if a.boost_words:
    g = torch.Generator().manual_seed(4242)
    for word in a.boost_words.split(","):
        token = tok.convert_tokens_to_ids(word + "</w>")
        row = torch.randn(TEXT["hidden_size"], generator=g) * a.boost_std
        with torch.no_grad():
            for model in (text, ema_text):
                model.get_input_embeddings().weight[token] = row
        log(LOG, f"boosted token embedding of '{word}' (id {token}) to std {a.boost_std}")
n_unet = sum(p.numel() for p in unet.parameters())
n_text = sum(p.numel() for p in text.parameters())
log(LOG, f"start step {step}: unet {n_unet / 1e6:.3f} M, text {n_text / 1e6:.3f} M "
         f"({sum(p.numel() for p in text.parameters() if p.requires_grad) / 1e6:.3f} M trained), args {vars(a)}")

sched = DDPMScheduler(**{k: v for k, v in SCHEDULE.items() if k in (
    "num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "prediction_type", "clip_sample")})
ac = sched.alphas_cumprod
snr = ac / (1 - ac)
weight = torch.clamp(torch.clamp(snr, max=5.0), min=a.x0_floor) / snr  # min-SNR-5 for epsilon prediction, x0 floor
ema_params = list(ema_unet.parameters()) + list(ema_text.parameters())
live_params = list(unet.parameters()) + list(text.parameters())


def save(path):
    torch.save(dict(unet=unet.state_dict(), text=text.state_dict(), ema_unet=ema_unet.state_dict(), probes=probes.state_dict(),
                    ema_text=ema_text.state_dict(), opt=opt.state_dict(), step=step, trained_s=trained_s,
                    best=best, unet_config=UNET, text_config=TEXT), path + ".tmp")
    os.replace(path + ".tmp", path)


def vae_mtime():
    return os.path.getmtime(os.path.join(RUN_DIR, "vae_final", "diffusion_pytorch_model.safetensors"))


vae_loaded = vae_mtime()


def evaluate():
    global best, vae, vae_loaded
    t0 = time.time()
    if vae_mtime() != vae_loaded:  # the decoder was fine-tuned meanwhile (the encoder never changes)
        vae_loaded = vae_mtime()
        vae = AutoencoderKL.from_pretrained(os.path.join(RUN_DIR, "vae_final")).eval()
        log(LOG, "reloaded vae_final (new decoder)")
    pipe = sampling.pipeline(ema_unet, ema_text, vae)
    s, images = sampling.sample_and_score(pipe, n=48, steps=20, guidance=6.0, seed=0)
    sampling.save_png(os.path.join(RUN_DIR, f"samples_{step:06d}.png"), sampling.grid(images))
    s.update(step=step, trained_min=round(trained_s / 60, 1))
    log(LOG, f"EVAL {sampling.dumps(s)} ({time.time() - t0:.0f} s)")
    with open(os.path.join(RUN_DIR, "evals.jsonl"), "a") as f:
        f.write(sampling.dumps(s) + "\n")
    q = s["colour"] + s["shape"] + s["position"] + 0.5 * s["all"]
    if q > best:
        best = q
        save(os.path.join(RUN_DIR, "ckpt_best.pt"))
        log(LOG, f"new best {q:.3f} -> ckpt_best.pt")
        if a.export:
            import export
            export.export_checkpoint(os.path.join(RUN_DIR, "ckpt_best.pt"), eval_scores=s)
            if a.commit:
                maybe_commit(q, s, export.DEFAULT_OUT, export.REPO)


def maybe_commit(q, s, path, repo):
    import json
    import subprocess
    state_path = os.path.join(RUN_DIR, "last_commit.json")
    last = json.load(open(state_path)) if os.path.exists(state_path) else {"q": -1.0, "time": 0.0}
    if q < last["q"] + 0.05 or time.time() - last["time"] < 3600:
        return
    msg = (f"Default model: step {s['step']} ({s['trained_min']:.0f} min), checker colour {s['colour']:.0%} "
           f"shape {s['shape']:.0%} position {s['position']:.0%} background {s['background']:.0%}")
    rel = os.path.relpath(path, repo)
    r = subprocess.run(["git", "-C", repo, "commit", "-q", "-m", msg, "--only", "--", rel], capture_output=True, text=True)
    if r.returncode == 0:
        json.dump({"q": q, "time": time.time(), "step": s["step"]}, open(state_path, "w"))
        log(LOG, f"committed {rel}: {msg}")
    else:
        log(LOG, f"git commit failed (will retry at the next best): {r.stderr.strip()[:300]}")


last_ckpt, losses, t_steps = time.time(), [], time.time()
end_s = trained_s + a.hours * 3600
while trained_s < end_s:
    t_step = time.time()
    idx = torch.randint(0, len(pool["mean"]), (a.batch,))
    z = pool["mean"][idx] + pool["std"][idx] * torch.randn(a.batch, 4, 16, 16)
    cap = pool["caption"][idx].clone()
    if a.partial_captions:
        short = torch.rand(a.batch) < a.partial_captions
        cap[short] = EMPTY + 1 + N_PARTIAL * cap[short] + torch.randint(0, N_PARTIAL, (int(short.sum()),))
    cap[torch.rand(a.batch) < a.dropout] = EMPTY
    t = torch.where(torch.rand(a.batch) < a.high_t, torch.randint(850, 1000, (a.batch,)), torch.randint(0, 1000, (a.batch,)))
    noise = torch.randn_like(z) + a.offset_noise * torch.randn(a.batch, 4, 1, 1)
    if a.lowres_noise:
        low = torch.randn(a.batch, 4, 4, 4)
        noise = noise + a.lowres_noise * torch.nn.functional.interpolate(low, size=(16, 16), mode="bilinear")
    noisy = sched.add_noise(z, noise, t)
    ctx = text(ids[cap])[0]
    pred = unet(noisy, t, encoder_hidden_states=ctx).sample
    loss = (((pred - noise) ** 2).mean((1, 2, 3)) * weight[t]).mean()
    if a.probe_loss > 0:
        keep = cap != EMPTY
        pooled = ctx[keep][:, 16:, :].mean(1)  # padding tokens only (every caption is shorter than 16 tokens)
        labels = attr_labels[cap[keep]]
        for k, probe in enumerate(probes):
            if (labels[:, k] >= 0).any():
                loss = loss + a.probe_loss * torch.nn.functional.cross_entropy(
                    probe(pooled), labels[:, k], ignore_index=-1) / len(probes)
    lr = a.lr * min(1.0, (step + 1) / 300)
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    step += 1
    d = min(a.ema, (1 + step) / (10 + step))
    with torch.no_grad():
        torch._foreach_lerp_(ema_params, live_params, 1 - d)
    losses.append(loss.item())
    trained_s += time.time() - t_step
    if step % 100 == 0:
        log(LOG, f"step {step} loss {sum(losses) / len(losses):.4f} {(time.time() - t_steps) / 100:.3f} s/step "
                 f"trained {trained_s / 60:.1f} min")
        losses, t_steps = [], time.time()
    if time.time() - last_ckpt > a.ckpt_every * 60:
        save(ckpt_path)
        evaluate()
        save(ckpt_path)  # with the updated best
        last_ckpt, t_steps = time.time(), time.time()
save(ckpt_path)
evaluate()
save(ckpt_path)
log(LOG, "done")
