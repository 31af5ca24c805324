#!/usr/bin/env python3
"""Makes the reference fixtures under Tests/Fixtures/ (contract: Tests/Fixtures/README.md).

    python3 Tools/make_fixtures.py                      # regenerate everything (deterministic)
    python3 Tools/make_fixtures.py --full-size OUT.safetensors   # random SD1.5-sized single file (fp16)
    python3 Tools/make_fixtures.py --lora                # only the LoRA fixtures (Tests/Fixtures/lora/)

Needs diffusers & co. When they are not importable, the script creates Tools/.venv, installs
Tools/requirements.txt there and re-runs itself with that interpreter.
"""
import os
import subprocess
import sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def ensure_environment():
    try:
        import diffusers  # noqa: F401
        import open_clip  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("MAKE_FIXTURES_BOOTSTRAPPED"):
        sys.exit("Tools/.venv was set up but diffusers still does not import")
    venv = os.path.join(TOOLS, ".venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([python, "-m", "pip", "install", "-r", os.path.join(TOOLS, "requirements.txt")])
    os.environ["MAKE_FIXTURES_BOOTSTRAPPED"] = "1"
    os.execv(python, [python] + sys.argv)


def quiet_and_single_threaded():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    torch.set_num_threads(1)
    import diffusers
    import transformers
    diffusers.utils.logging.set_verbosity_error()
    transformers.utils.logging.set_verbosity_error()


def make_tokenizer_files():
    """Resources the engine ships, plus Tests/Fixtures/tokens.json. Returns (SD1, SD2) tokenizers."""
    import shutil
    from open_clip.tokenizer import SimpleTokenizer
    from reference import clip_tokenizer as ct
    from reference.writers import write_json
    merges = ct.load_merges()
    resources = os.path.join(ROOT, "Sources", "SDTokenizer", "Resources")
    os.makedirs(resources, exist_ok=True)
    with open(os.path.join(resources, "clip_merges.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(merges) + "\n")
    shutil.copyfile(ct.openclip_license_path(), os.path.join(resources, "LICENSE-openclip-vocab.txt"))
    ours, theirs = ct.build_vocab(merges), SimpleTokenizer().encoder  # open_clip 3 renames the two specials
    assert list(ours)[:49406] == list(theirs)[:49406] and list(theirs.values()) == list(range(49408))
    sd1, sd2 = ct.make_tokenizer(ct.EOS, merges), ct.make_tokenizer("!", merges)
    assert sd1.pad_token_id == 49407 and sd2.pad_token_id == 0
    fixtures = [ct.token_fixture(p, sd1, sd2) for p in ct.HARD_PROMPTS]
    write_json(os.path.join(FIXTURES, "tokens.json"), fixtures)
    same = sum(f["same_as_openclip"] for f in fixtures)
    print(f"tokens.json: {len(fixtures)} prompts ({same} tokenize as open_clip's SimpleTokenizer does)")
    return sd1, sd2


def make_model(name, tokenizers):
    import diffusers
    from reference import outputs, verify, writers
    from reference.tiny_models import MODELS, build
    spec = MODELS[name]
    tokenizer = tokenizers[0] if spec["family"] == "sd1" else tokenizers[1]
    text, unet, vae = build(name)
    models = os.path.join(FIXTURES, "models")
    single = os.path.join(models, f"{name}.safetensors")
    writers.write_single_file(single, name, text, unet, vae)
    counts = verify.verify_convert_functions(single, name, text, unet, vae)
    print(f"{name}: single file converts back through diffusers' converters exactly (unet, vae, text tensors: {counts})")
    config_folder = os.path.join(models, name)
    if spec["folder"]:
        writers.write_folder(config_folder, name, text, unet, vae, diffusers.__version__)
        print(f"{name}: folder loads back exactly: {verify.verify_folder(config_folder, tokenizer, text, unet, vae)}")
    else:  # configs only, in a scratch folder, for diffusers' from_single_file
        import tempfile
        config_folder = os.path.join(tempfile.mkdtemp(), name)
        writers.write_folder(config_folder, name, text, unet, vae, diffusers.__version__)
    counts = verify.verify_from_single_file(single, config_folder, tokenizer, text, unet, vae)
    print(f"{name}: StableDiffusionPipeline.from_single_file gives the same weights: {counts}")

    image, mask = os.path.join(FIXTURES, "images", "input16.png"), os.path.join(FIXTURES, "images", "mask16.png")
    tensors, meta = {}, {"model": name, "family": spec["family"],
                         "prediction_type": spec["scheduler"]["prediction_type"],
                         "diffusers_version": diffusers.__version__}
    seed = spec["seed"] * 100  # weights use seed+1..seed+4; reference inputs use [100*seed, 100*seed + 4000)
    components = (text, unet, vae)
    outputs.text_outputs(text, tokenizer, tensors, meta)
    outputs.unet_outputs(unet, tensors, meta, seed + 1)
    outputs.vae_outputs(vae, tensors, meta, seed + 2, image)
    if unet.config.in_channels == 4:
        outputs.txt2img_runs(components, tokenizer, spec["scheduler"], tensors, meta, seed + 1000)
    else:
        meta["runs"] = {}
    if unet.config.in_channels == 4:
        outputs.img2img_runs(components, tokenizer, spec["scheduler"], tensors, meta, seed + 2000, image)
    if spec["family"] == "sd1":  # the 4-channel sd1-tiny (latent blending) and the 9-channel inpainting model
        outputs.inpaint_runs(components, tokenizer, spec["scheduler"], tensors, meta, seed + 3000, image, mask)
    for k, v in tensors.items():
        assert torch_isfinite(v), k
    writers.save_tensors(os.path.join(FIXTURES, "reference", f"{name}.safetensors"),
                         {k: v if k.startswith("text.ids") else v.float() for k, v in tensors.items()})
    writers.write_json(os.path.join(FIXTURES, "reference", f"{name}.json"), meta)
    print(f"{name}: {len(tensors)} reference tensors")


def torch_isfinite(t):
    import torch
    return bool(torch.isfinite(t.float()).all())


def main():
    ensure_environment()
    sys.path.insert(0, TOOLS)
    quiet_and_single_threaded()
    args = sys.argv[1:]
    if args[:1] == ["--full-size"] and len(args) == 2:
        from reference.full_size import write_full_size
        write_full_size(args[1])
        return
    from reference.lora_fixtures import make_lora_fixtures
    if args == ["--lora"]:
        make_lora_fixtures(FIXTURES)
        return
    if args:
        sys.exit(__doc__)
    from reference.writers import write_images
    from reference.tiny_models import MODELS
    write_images(os.path.join(FIXTURES, "images"))
    tokenizers = make_tokenizer_files()
    for name in MODELS:
        make_model(name, tokenizers)
    from reference import taesd_fixtures
    taesd_fixtures.make(FIXTURES, tokenizers)  # taesd/, vae/, onestep/
    make_lora_fixtures(FIXTURES)
    from reference import mixing_fixtures
    mixing_fixtures.make(FIXTURES, tokenizers[0])
    from reference import tiling_fixtures
    tiling_fixtures.make(FIXTURES)


if __name__ == "__main__":
    main()
