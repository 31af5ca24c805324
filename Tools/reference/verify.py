"""Checks that what was written loads back, through diffusers' own loaders, to exactly the same weights."""
import torch
from safetensors.torch import load_file

from .ldm_convert import text_key
from .tiny_models import MODELS


def _compare(label, expected, got):
    expected = {text_key(k) if label == "text" else k: v for k, v in expected.items()}
    got = {text_key(k) if label == "text" else k: v for k, v in got.items()}
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    bad = [k for k in expected if k in got and
           (tuple(got[k].shape) != tuple(expected[k].shape) or not torch.equal(got[k].float(), expected[k].float()))]
    if missing or extra or bad:
        raise AssertionError(f"{label}: missing {missing[:5]} extra {extra[:5]} different {bad[:5]}")
    return len(expected)


def _state(model):
    return {k: v for k, v in model.state_dict().items() if not k.endswith("position_ids")}


def verify_convert_functions(path, name, text, unet, vae):
    """Runs diffusers' ldm -> diffusers converters on the single file; every tensor must come back."""
    from diffusers.loaders import single_file_utils as sfu
    spec = MODELS[name]
    ck = load_file(path)
    counts = [_compare("unet", unet.state_dict(), sfu.convert_ldm_unet_checkpoint(ck, dict(unet.config))),
              _compare("vae", vae.state_dict(), sfu.convert_ldm_vae_checkpoint(ck, dict(vae.config)))]
    if spec["family"] == "sd1":
        t = sfu.convert_ldm_clip_checkpoint(ck)
        t.pop("text_model.embeddings.position_ids")
    else:
        t = sfu.convert_open_clip_checkpoint(text, ck)
        # diffusers only skips resblocks.23 (the real SD2 file's 24th); our extra layer is resblocks.N.
        n = spec["text"]["num_hidden_layers"]
        extra = [k for k in t if k.startswith(f"text_model.encoder.layers.{n}.")]
        assert len(extra) == 16, extra  # in_proj_weight/bias split into q, k, v (6) + 10 others
        for k in extra:
            t.pop(k)
    counts.append(_compare("text", _state(text), t))
    return counts


def verify_folder(folder, tokenizer, text, unet, vae):
    from diffusers import StableDiffusionPipeline
    pipe = StableDiffusionPipeline.from_pretrained(folder, tokenizer=tokenizer, safety_checker=None,
                                                   feature_extractor=None, local_files_only=True,
                                                   torch_dtype=torch.float32)
    return [_compare("unet", unet.state_dict(), pipe.unet.state_dict()),
            _compare("vae", vae.state_dict(), pipe.vae.state_dict()),
            _compare("text", _state(text), _state(pipe.text_encoder))]


def verify_from_single_file(path, config_folder, tokenizer, text, unet, vae):
    """diffusers' full single-file path (detection + conversion), configs taken from config_folder."""
    from diffusers import StableDiffusionPipeline
    pipe = StableDiffusionPipeline.from_single_file(path, config=config_folder, tokenizer=tokenizer,
                                                    safety_checker=None, feature_extractor=None,
                                                    local_files_only=True, torch_dtype=torch.float32)
    return [_compare("unet", unet.state_dict(), pipe.unet.state_dict()),
            _compare("vae", vae.state_dict(), pipe.vae.state_dict()),
            _compare("text", _state(text), _state(pipe.text_encoder))]
