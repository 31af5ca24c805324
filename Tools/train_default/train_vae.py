"""Stage 1: trains the default model's VAE on freshly drawn images until the checker, run on its
reconstructions, sees what the originals show. Usage: python train_vae.py [--minutes 30] [--resume]

Steps see whole 64x64 drawings (--crop-frac F: the first F of the time sees random 32x32 crops
instead; cheaper, but GroupNorm statistics of a crop differ from a whole image's, which showed as
lost colours on whole images, so the default is 0). Loss: L1 + MSE on pixels in [-1, 1] + a tiny KL term.
Writes RUN_DIR/vae_latest (diffusers folder), RUN_DIR/vae_best, RUN_DIR/vae_log.txt.

--decoder-only: fine-tunes only the decoder (post_quant_conv + decoder) of RUN_DIR/vae_final, in place
(saved there whenever the checker improves), so the latent space the UNet trains on stays fixed.
"""
import argparse
import os
import random
import shutil
import time

import common  # noqa: F401  (environment, threads)
import torch
from diffusers import AutoencoderKL

import checker
import drawings
from common import RUN_DIR, VAE, log, to_tensor, to_uint8

p = argparse.ArgumentParser()
p.add_argument("--minutes", type=float, default=30)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--kl", type=float, default=1e-5)
p.add_argument("--eval-every", type=float, default=4.0, help="minutes")
p.add_argument("--crop-frac", type=float, default=0.0)
p.add_argument("--batch", type=int, default=8)
p.add_argument("--resume", action="store_true")
p.add_argument("--decoder-only", action="store_true")
a = p.parse_args()

os.makedirs(RUN_DIR, exist_ok=True)
LOG = os.path.join(RUN_DIR, "vae_log.txt")
torch.manual_seed(0)
rng = random.Random(0)
if a.decoder_only:
    vae = AutoencoderKL.from_pretrained(os.path.join(RUN_DIR, "vae_final"))
    for m in (vae.encoder, vae.quant_conv):
        m.requires_grad_(False)
elif a.resume:
    vae = AutoencoderKL.from_pretrained(os.path.join(RUN_DIR, "vae_latest"))
else:
    vae = AutoencoderKL(**VAE)
log(LOG, f"VAE params {sum(p.numel() for p in vae.parameters()) / 1e6:.3f} M, args {vars(a)}")
opt = torch.optim.AdamW([p for p in vae.parameters() if p.requires_grad], lr=a.lr, weight_decay=0.0)

eval_images, eval_attrs, _ = drawings.dataset(240, seed=999)
eval_x = to_tensor(eval_images)


def evaluate():
    vae.eval()
    with torch.no_grad():
        rec, means = [], []
        for i in range(0, len(eval_x), 40):
            d = vae.encode(eval_x[i:i + 40]).latent_dist
            means.append(d.mean)
            rec.append(vae.decode(d.mean).sample)
        rec, means = torch.cat(rec), torch.cat(means)
    vae.train()
    s = checker.score(to_uint8(rec), eval_attrs)
    return s, (rec - eval_x).abs().mean().item(), means.std().item()


def batch(n, crop):
    imgs = to_tensor(drawings.dataset(n, seed=rng.randrange(1 << 30))[0])
    if crop:
        out = []
        for im in imgs:
            y, x = rng.randrange(0, 33, 4), rng.randrange(0, 33, 4)
            out.append(im[:, y:y + 32, x:x + 32])
        imgs = torch.stack(out)
    return imgs


start = time.time()
last_eval, step, best = start, 0, -1.0
losses = []
while True:
    elapsed = (time.time() - start) / 60
    crop = elapsed < a.crop_frac * a.minutes
    x = batch(2 * a.batch if crop else a.batch, crop)
    lr = a.lr * min(1.0, (step + 1) / (100 if not a.resume else 20))
    for g in opt.param_groups:
        g["lr"] = lr
    d = vae.encode(x).latent_dist
    z = d.sample()
    if a.decoder_only:  # a little extra latent noise: the UNet's latents are not exact
        z = z + 0.05 * z.std() * torch.randn_like(z)
    y = vae.decode(z).sample
    rec = (y - x).abs().mean() + ((y - x) ** 2).mean()
    kl = d.kl().mean() / d.mean[0].numel()
    loss = rec + a.kl * kl
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
    opt.step()
    losses.append(rec.item())
    step += 1
    if step % 50 == 0:
        log(LOG, f"step {step} {elapsed:.1f} min crop={crop} rec {sum(losses) / len(losses):.4f} kl {kl.item():.2f}")
        losses = []
    done = elapsed >= a.minutes
    if time.time() - last_eval > a.eval_every * 60 or done:
        last_eval = time.time()
        s, l1, zstd = evaluate()
        log(LOG, f"EVAL step {step} recon L1 {l1:.4f} latent std {zstd:.3f} checker {s}")
        quality = s["all"] - l1
        if a.decoder_only:
            if quality > best:
                best = quality
                final = os.path.join(RUN_DIR, "vae_final")  # replaced by renames: readers never see half a file
                vae.save_pretrained(final + ".new")
                os.replace(final, final + ".old")
                os.replace(final + ".new", final)
                shutil.rmtree(final + ".old")
                log(LOG, "saved vae_final (decoder fine-tune)")
        else:
            vae.save_pretrained(os.path.join(RUN_DIR, "vae_latest"))
            if quality > best:
                best = quality
                vae.save_pretrained(os.path.join(RUN_DIR, "vae_best"))
                log(LOG, "saved vae_best")
    if done:
        break
