/* Hostile model files through the C API: each must give its error status with a message, leave
 * *out NULL and never crash or read outside the file (run.sh runs this under AddressSanitizer and
 * valgrind). Files are made here, in TMPDIR, from small synthetic headers or from the tiny SD1
 * fixture with one field changed in place.
 * Usage: hostile_models SD1_TINY_SAFETENSORS SD1_TINY_FOLDER TMPDIR */
#include "../CAPI/check.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *tmp;
static char path[4096];
static int cases;

/* Loads path and expects `expected` with a message that contains `needle` (case-sensitive). */
static void expect_load(const char *what, sdswift_status expected, const char *needle) {
    sdswift_model *m = (sdswift_model *)&m;
    sdswift_status s = sdswift_model_load(path, NULL, &m);
    const char *msg = sdswift_last_error_message();
    cases++;
    CHECK(s == expected && m == NULL && msg[0] && (!needle || strstr(msg, needle)),
          "%s -> %s (want %s) [%s]", what, sdswift_status_string(s), sdswift_status_string(expected), msg);
    if (s == SDSWIFT_OK) sdswift_model_free(m);
}

static void write_file(const char *name, const void *bytes, size_t n) {
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, n, f) != n) { perror(path); exit(2); }
    fclose(f);
}

/* A safetensors file: 8-byte length `claimed` (or the header's own when claimed is 0), the JSON
 * header, then `data` zero bytes. */
static void synthetic(const char *name, const char *header, size_t data, uint64_t claimed) {
    size_t hl = strlen(header), n = 8 + hl + data, i;
    uint8_t *b = (uint8_t *)calloc(1, n);
    uint64_t len = claimed ? claimed : (uint64_t)hl;
    for (i = 0; i < 8; i++) b[i] = (uint8_t)(len >> (8 * i));
    memcpy(b + 8, header, hl);
    write_file(name, b, n);
    free(b);
}

/* The tiny model's bytes, its header length and the start of its data area. */
static uint8_t *model;
static size_t model_size, header_len;

static uint8_t *model_copy(void) {
    uint8_t *b = (uint8_t *)malloc(model_size);
    memcpy(b, model, model_size);
    return b;
}

/* Replaces `from` by `to` (same length) inside the header of a copy of the model. */
static uint8_t *patched(const char *from, const char *to) {
    uint8_t *b = model_copy();
    char *h = (char *)b + 8, *at;
    char saved = h[header_len];
    if (strlen(from) != strlen(to)) { fprintf(stderr, "patch lengths differ\n"); exit(2); }
    h[header_len] = 0;
    at = strstr(h, from);
    h[header_len] = saved;
    if (!at) { fprintf(stderr, "patch target not found: %s\n", from); exit(2); }
    memcpy(at, to, strlen(to));
    return b;
}

/* Offset in the file of the first data byte of tensor `name` (parsed from the header text). */
static size_t data_of(const char *name) {
    char key[512], *h = (char *)model + 8, *at;
    long begin = -1;
    char saved = h[header_len];
    snprintf(key, sizeof key, "\"%s\":", name);
    h[header_len] = 0;
    at = strstr(h, key);
    if (at) at = strstr(at, "\"data_offsets\":[");
    if (at) begin = strtol(at + 16, NULL, 10);
    h[header_len] = saved;
    if (begin < 0) { fprintf(stderr, "tensor %s not found\n", name); exit(2); }
    return 8 + header_len + (size_t)begin;
}

/* Generation with a model whose weights hold `half` (an F16 bit pattern) in `count` elements of
 * tensor `name`: must fail with CORRUPT_MODEL (non-finite values) and no crash. */
static void poisoned(const char *what, const char *name, uint16_t half, int count) {
    uint8_t *b = model_copy();
    size_t at = data_of(name);
    int i;
    sdswift_model *m = NULL;
    sdswift_result *res = (sdswift_result *)&m;
    sdswift_generate_params p;
    for (i = 0; i < count; i++) { b[at + 2 * i] = (uint8_t)(half & 0xff); b[at + 2 * i + 1] = (uint8_t)(half >> 8); }
    write_file("poisoned.safetensors", b, model_size);
    free(b);
    cases++;
    if (sdswift_model_load(path, NULL, &m) != SDSWIFT_OK) {
        CHECK(0, "%s: load failed [%s]", what, sdswift_last_error_message());
        return;
    }
    sdswift_generate_params_init(&p);
    p.width = p.height = 16;
    p.steps = 2;
    {
        sdswift_status s = sdswift_txt2img(m, NULL, &p, &res);
        const char *msg = sdswift_last_error_message();
        CHECK(s == SDSWIFT_CORRUPT_MODEL && res == NULL && strstr(msg, "not finite"),
              "%s: txt2img -> %s [%s]", what, sdswift_status_string(s), msg);
        if (s == SDSWIFT_OK) sdswift_result_free(res);
    }
    sdswift_model_free(m);
}

static void read_model(const char *file) {
    FILE *f = fopen(file, "rb");
    size_t i;
    if (!f) { perror(file); exit(2); }
    fseek(f, 0, SEEK_END);
    model_size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    model = (uint8_t *)malloc(model_size);
    if (fread(model, 1, model_size, f) != model_size) { perror(file); exit(2); }
    fclose(f);
    header_len = 0;
    for (i = 0; i < 8; i++) header_len |= (size_t)model[i] << (8 * i);
}

/* A copy of the diffusers folder (weights symlinked) with one config file replaced. */
static void folder_with(const char *folder, const char *component, const char *file, const char *json) {
    static const char *parts[] = {"text_encoder", "unet", "vae", "scheduler", "tokenizer"};
    char cmd[8192];
    unsigned i;
    snprintf(path, sizeof path, "%s/folder", tmp);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && cp '%s/model_index.json' '%s/'", path, path, folder, path);
    for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t n = strlen(cmd);
        snprintf(cmd + n, sizeof cmd - n, " && mkdir '%s/%s' && for f in '%s/%s'/*; do ln -s \"$(readlink -f \"$f\")\" '%s/%s/'; done",
                 path, parts[i], folder, parts[i], path, parts[i]);
    }
    if (system(cmd) != 0) { fprintf(stderr, "cannot copy %s\n", folder); exit(2); }
    {
        char file_path[4096];
        FILE *f;
        snprintf(file_path, sizeof file_path, "%s/%s/%s", path, component, file);
        unlink(file_path);
        f = fopen(file_path, "w");
        fputs(json, f);
        fclose(f);
    }
}

int main(int argc, char **argv) {
    uint8_t *b;
    if (argc < 4) { fprintf(stderr, "usage: %s SD1_TINY.safetensors SD1_TINY_FOLDER TMPDIR\n", argv[0]); return 2; }
    tmp = argv[3];
    read_model(argv[1]);

    /* ---- the 8-byte header length ---- */
    synthetic("beyond.safetensors", "{}", 0, 1000);
    expect_load("header length beyond the file", SDSWIFT_CORRUPT_MODEL, "exceeds the file size");
    synthetic("max.safetensors", "{}", 0, UINT64_MAX);
    expect_load("header length 2^64-1", SDSWIFT_CORRUPT_MODEL, "header length");
    {   /* a sparse 10 GiB file that claims a 10 GB header: refused without reading it */
        FILE *f;
        uint64_t len = 10000000000ull;
        int i;
        snprintf(path, sizeof path, "%s/huge-header.safetensors", tmp);
        f = fopen(path, "wb");
        for (i = 0; i < 8; i++) fputc((int)((len >> (8 * i)) & 0xff), f);
        fputc('{', f);
        fclose(f);
        if (truncate(path, (off_t)len + 16) != 0) perror("truncate");
        expect_load("10 GB claimed header in a sparse 10 GB file", SDSWIFT_CORRUPT_MODEL, "exceeds the limit");
        unlink(path);
    }
    synthetic("short.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 0);
    expect_load("data area shorter than the tensors", SDSWIFT_CORRUPT_MODEL, "beyond the data area");

    /* ---- offsets and shapes ---- */
    synthetic("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, 0);
    expect_load("overlapping tensors", SDSWIFT_CORRUPT_MODEL, "overlap");
    synthetic("range.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8000000000]}}", 8, 0);
    expect_load("offsets far past the end", SDSWIFT_CORRUPT_MODEL, "beyond the data area");
    synthetic("negative.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8, 0);
    expect_load("negative offset", SDSWIFT_CORRUPT_MODEL, "data_offsets");
    synthetic("reversed.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, 0);
    expect_load("begin after end", SDSWIFT_CORRUPT_MODEL, "data_offsets");
    synthetic("fraction.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8, 0);
    expect_load("fractional offset", SDSWIFT_CORRUPT_MODEL, "data_offsets");
    synthetic("mismatch.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0);
    expect_load("offsets disagree with shape x dtype", SDSWIFT_CORRUPT_MODEL, "needs");
    synthetic("overflow.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,8]}}", 8, 0);
    expect_load("shape whose element count overflows", SDSWIFT_CORRUPT_MODEL, "overflows");
    synthetic("overflow2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2305843009213693952,2],\"data_offsets\":[0,8]}}", 8, 0);
    expect_load("shape whose byte size overflows", SDSWIFT_CORRUPT_MODEL, "overflows");
    synthetic("negshape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, 0);
    expect_load("negative dimension", SDSWIFT_CORRUPT_MODEL, "shape");
    synthetic("dtype.safetensors", "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0);
    expect_load("unknown dtype", SDSWIFT_UNSUPPORTED_MODEL, "dtype");
    synthetic("array.safetensors", "[1,2,3]", 0, 0);
    expect_load("header is a JSON array", SDSWIFT_CORRUPT_MODEL, "JSON header");
    synthetic("badjson.safetensors", "{\"a\":", 0, 0);
    expect_load("header is broken JSON", SDSWIFT_CORRUPT_MODEL, "not valid JSON");
    synthetic("meta.safetensors", "{\"__metadata__\":{\"format\":7}}", 0, 0);
    expect_load("non-string metadata", SDSWIFT_CORRUPT_MODEL, "__metadata__");
    synthetic("nothing.safetensors", "{}", 0, 0);
    expect_load("no tensors at all", SDSWIFT_UNSUPPORTED_MODEL, "none under");

    /* ---- pickles ---- */
    write_file("model.ckpt", "\x80\x02}q\x00(X\x05\x00\x00\x00state", 17);
    expect_load("bare pickle .ckpt", SDSWIFT_UNSUPPORTED_MODEL, "pickle");
    write_file("zip.ckpt", "PK\x03\x04\x14\x00\x00\x00archive/data.pkl", 24);
    expect_load("zip (torch.save) .ckpt", SDSWIFT_UNSUPPORTED_MODEL, "pickle");

    /* ---- the real tiny model, one field changed ---- */
    b = patched("\"model.diffusion_model.out.2.weight\":{\"dtype\":\"F16\",\"shape\":[4,32,3,3],\"data_offsets\":[3114402,3116706]",
                "\"model.diffusion_model.out.2.weight\":{\"dtype\":\"F16\",\"shape\":[4,32,3,2],\"data_offsets\":[3114402,3115938]");
    write_file("wrong-shape.safetensors", b, model_size);
    free(b);
    expect_load("a real tensor name with fewer elements", SDSWIFT_CORRUPT_MODEL, "conv_out.weight");
    b = patched("attn2.to_k.weight\":{\"dtype\":\"F16\",\"shape\":[32,8]", "attn2.to_k.weight\":{\"dtype\":\"F16\",\"shape\":[8,32]");
    write_file("transposed.safetensors", b, model_size);
    free(b);
    expect_load("a real tensor name with the same count, transposed shape", SDSWIFT_CORRUPT_MODEL, "attn2.to_k.weight");
    b = patched("\"model.diffusion_model.out.2.weight\":{\"dtype\":\"F16\"", "\"model.diffusion_model.out.2.weight\":{\"dtype\":\"I16\"");
    write_file("int-weight.safetensors", b, model_size);
    free(b);
    expect_load("a weight stored as I16", SDSWIFT_UNSUPPORTED_MODEL, "dtype");
    b = patched("\"model.diffusion_model.out.2.weight\"", "\"model.diffusion_model.out.2.weighs\"");
    write_file("missing.safetensors", b, model_size);
    free(b);
    expect_load("a missing weight", SDSWIFT_CORRUPT_MODEL, "out.2.weight");
    b = model_copy();
    write_file("truncated.safetensors", b, model_size - 1000);
    free(b);
    expect_load("the last 1000 bytes cut off", SDSWIFT_CORRUPT_MODEL, "beyond the data area");

    /* ---- hostile config.json in a diffusers folder ---- */
    /* (the tiny fixture's sizes, so that only the one hostile value is wrong) */
    folder_with(argv[2], "text_encoder", "config.json", "{\"hidden_size\": 8, \"intermediate_size\": 37, "
                "\"num_attention_heads\": 1, \"num_hidden_layers\": 1000000000000}");
    expect_load("folder: 10^12 text encoder layers", SDSWIFT_CORRUPT_MODEL, "limits");
    folder_with(argv[2], "text_encoder", "config.json", "{\"hidden_size\": 8, \"intermediate_size\": 37, "
                "\"num_attention_heads\": 1, \"num_hidden_layers\": 2, \"vocab_size\": 4611686018427387904}");
    expect_load("folder: vocab x hidden overflows", SDSWIFT_CORRUPT_MODEL, "limits");
    {
        char vae[2048] = "{\"latent_channels\": 4, \"norm_num_groups\": 32, \"layers_per_block\": 1, \"block_out_channels\": [32";
        for (int k = 1; k < 70; k++) strcat(vae, ",32");
        strcat(vae, "]}");
        folder_with(argv[2], "vae", "config.json", vae);
        expect_load("folder: a VAE of 70 levels (downscale 2^69)", SDSWIFT_CORRUPT_MODEL, "limits");
    }
    folder_with(argv[2], "scheduler", "scheduler_config.json", "{\"num_train_timesteps\": 1000000000000}");
    expect_load("folder: 10^12 train timesteps", SDSWIFT_CORRUPT_MODEL, "num_train_timesteps");
    folder_with(argv[2], "unet", "config.json", "[]");
    expect_load("folder: config.json is not an object", SDSWIFT_CORRUPT_MODEL, "not a JSON object");
    folder_with(argv[2], "unet", "config.json", "{\"layers_per_block\": \"two\"}");
    expect_load("folder: a string where a number belongs", SDSWIFT_CORRUPT_MODEL, "layers_per_block");

    /* ---- NaN and Inf weights: refused when they reach the output ---- */
    poisoned("NaN in the UNet's output bias", "model.diffusion_model.out.2.bias", 0x7e00, 4);
    poisoned("+Inf in the UNet's first conv", "model.diffusion_model.input_blocks.0.0.weight", 0x7c00, 8);
    poisoned("NaN in the VAE decoder's last bias", "first_stage_model.decoder.conv_out.bias", 0x7e00, 3);
    poisoned("NaN in the text encoder's final norm", "cond_stage_model.transformer.text_model.final_layer_norm.weight", 0x7e00, 8);

    free(model);
    printf("# %d hostile model cases\n", cases);
    return CHECK_DONE();
}
