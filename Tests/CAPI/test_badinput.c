/* The bad-input matrix: every entry point with NULLs, bad struct sizes, bad sizes and values, a
 * mismatched mask, missing and broken model files. Each call must return its documented status
 * with a message, and the process must survive (run under AddressSanitizer by run.sh).
 * Usage: test_badinput MODEL TMPDIR */
#include <stddef.h>

#include "check.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static sdswift_model *model;
static sdswift_result *res;

/* Every generation function with the same params and a valid 16x16 image (and mask). */
static void all_modes(const sdswift_generate_params *p, sdswift_status expected, const char *what) {
    sdswift_image img = make_image(16, 16, SDSWIFT_FORMAT_RGB8, 1);
    sdswift_image mask = make_image(16, 16, SDSWIFT_FORMAT_GRAY8, 2);
    sdswift_status s[4];
    sdswift_generate_params q = *p;
    int i, ok = 1;
    if (q.extend_left == 0 && q.extend_top == 0 && q.extend_right == 0 && q.extend_bottom == 0) q.extend_right = 8;
    res = (sdswift_result *)&img;  /* must be reset to NULL */
    s[0] = sdswift_txt2img(model, NULL, p, &res);
    ok = ok && res == NULL && sdswift_last_error_message()[0];
    s[1] = sdswift_img2img(model, NULL, p, &img, &res);
    ok = ok && res == NULL && sdswift_last_error_message()[0];
    s[2] = sdswift_inpaint(model, NULL, p, &img, &mask, &res);
    ok = ok && res == NULL && sdswift_last_error_message()[0];
    s[3] = sdswift_outpaint(model, NULL, &q, &img, &res);
    ok = ok && res == NULL && sdswift_last_error_message()[0];
    for (i = 0; i < 4; i++) ok = ok && s[i] == expected;
    CHECK(ok, "all modes, %s -> %s (got %d %d %d %d) [%s]", what, sdswift_status_string(expected), s[0], s[1],
          s[2], s[3], sdswift_last_error_message());
    free(img.pixels);
    free(mask.pixels);
}

static void copy_prefix(const char *from, const char *to, long bytes) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    long i;
    int c;
    for (i = 0; i < bytes && (c = fgetc(in)) != EOF; i++) fputc(c, out);
    fclose(in);
    fclose(out);
}

int main(int argc, char **argv) {
    const char *model_path, *tmp;
    char path[4096];
    sdswift_generate_params p, base;
    sdswift_image img, mask, bad;
    sdswift_request *req = NULL;

    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL TMPDIR\n", argv[0]);
        return 2;
    }
    model_path = argv[1];
    tmp = argv[2];

    /* ---- model loading ---- */
    {
        sdswift_load_params lp;
        sdswift_model *m = (sdswift_model *)&lp;
        FILE *f;
        CHECK_STATUS(sdswift_model_load(NULL, NULL, &m), SDSWIFT_NULL_POINTER);
        CHECK(m == NULL, "out is set to NULL on failure");
        CHECK_STATUS(sdswift_model_load(model_path, NULL, NULL), SDSWIFT_NULL_POINTER);
        CHECK_STATUS(sdswift_model_load("", NULL, &m), SDSWIFT_INVALID_ARGUMENT);
        CHECK_STATUS(sdswift_model_load("\xc3\x28", NULL, &m), SDSWIFT_INVALID_ARGUMENT);
        CHECK_STATUS(sdswift_model_load("/nonexistent/model.safetensors", NULL, &m), SDSWIFT_FILE_NOT_FOUND);
        sdswift_load_params_init(&lp);
        lp.struct_size = 0;
        CHECK_STATUS(sdswift_model_load(model_path, &lp, &m), SDSWIFT_BAD_STRUCT_SIZE);
        lp.struct_size = sizeof(size_t);
        CHECK_STATUS(sdswift_model_load(model_path, &lp, &m), SDSWIFT_BAD_STRUCT_SIZE);
        sdswift_load_params_init(&lp);
        lp.prediction = (sdswift_prediction)7;
        CHECK_STATUS(sdswift_model_load(model_path, &lp, &m), SDSWIFT_INVALID_ARGUMENT);

        snprintf(path, sizeof path, "%s/truncated.safetensors", tmp);
        copy_prefix(model_path, path, 100000);
        CHECK_STATUS(sdswift_model_load(path, NULL, &m), SDSWIFT_CORRUPT_MODEL);
        snprintf(path, sizeof path, "%s/tiny-prefix.safetensors", tmp);
        copy_prefix(model_path, path, 5);
        CHECK_STATUS(sdswift_model_load(path, NULL, &m), SDSWIFT_CORRUPT_MODEL);
        snprintf(path, sizeof path, "%s/empty.safetensors", tmp);
        copy_prefix(model_path, path, 0);
        CHECK_STATUS(sdswift_model_load(path, NULL, &m), SDSWIFT_CORRUPT_MODEL);
        snprintf(path, sizeof path, "%s/garbage.safetensors", tmp);
        f = fopen(path, "wb");
        fputs("\xff\xff\xff\xff\xff\xff\xff\x7fnot a header", f);
        fclose(f);
        CHECK_STATUS(sdswift_model_load(path, NULL, &m), SDSWIFT_CORRUPT_MODEL);
        snprintf(path, sizeof path, "%s/model.ckpt", tmp);
        f = fopen(path, "wb");
        fputs("PK\x03\x04 a zip archive, as torch.save writes", f);
        fclose(f);
        CHECK_STATUS(sdswift_model_load(path, NULL, &m), SDSWIFT_UNSUPPORTED_MODEL);
        CHECK(m == NULL, "no handle after failures");

        sdswift_load_params_init(&lp);
        lp.struct_size = sizeof lp + 64;  /* a newer caller: fine */
        CHECK_STATUS(sdswift_model_load(model_path, &lp, &model), SDSWIFT_OK);
        if (!model) {
            printf("not ok - cannot load %s; the rest needs it\n", model_path);
            return 1;
        }
    }

    /* ---- model info ---- */
    {
        sdswift_model_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = 4;
        CHECK_STATUS(sdswift_model_get_info(model, &info), SDSWIFT_BAD_STRUCT_SIZE);
        CHECK_STATUS(sdswift_model_get_info(model, NULL), SDSWIFT_NULL_POINTER);
        info.struct_size = sizeof info;
        CHECK_STATUS(sdswift_model_get_info(model, &info), SDSWIFT_OK);
        CHECK(info.struct_size == sizeof info && info.family == SDSWIFT_FAMILY_SD1 && info.is_inpainting == 0 &&
                  info.latent_channels == 4 && info.downscale == 2 && info.native_width == 16 && info.native_height == 16 &&
                  info.prediction == SDSWIFT_PREDICTION_EPSILON,
              "info of the tiny SD1 model (native size from its metadata): family %d, downscale %d, latent %d", (int)info.family, info.downscale,
              info.latent_channels);
    }

    img = make_image(16, 16, SDSWIFT_FORMAT_RGB8, 1);
    mask = make_image(16, 16, SDSWIFT_FORMAT_GRAY8, 2);
    sdswift_generate_params_init(&base);
    base.steps = 2;
    base.width = base.height = 16;

    /* ---- NULL pointers ---- */
    CHECK_STATUS(sdswift_txt2img(NULL, NULL, &base, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_txt2img(model, NULL, NULL, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_txt2img(model, NULL, &base, NULL), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, NULL, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_img2img(NULL, NULL, &base, &img, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &img, NULL), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_inpaint(model, NULL, &base, NULL, &mask, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_inpaint(model, NULL, &base, &img, NULL, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_inpaint(model, NULL, NULL, &img, &mask, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_outpaint(model, NULL, &base, NULL, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_outpaint(model, NULL, NULL, &img, &res), SDSWIFT_NULL_POINTER);
    bad = img;
    bad.pixels = NULL;
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &bad, &res), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_inpaint(model, NULL, &base, &img, &bad, &res), SDSWIFT_NULL_POINTER);
    p = base;
    p.initial_noise_count = 10;
    all_modes(&p, SDSWIFT_NULL_POINTER, "initial_noise NULL with a count");

    /* ---- dead handles ---- */
    CHECK_STATUS(sdswift_txt2img((const sdswift_model *)&base, NULL, &base, &res), SDSWIFT_INVALID_ARGUMENT);
    CHECK_STATUS(sdswift_txt2img(model, (sdswift_request *)&base, &base, &res), SDSWIFT_INVALID_ARGUMENT);

    /* ---- struct sizes ---- */
    p = base;
    p.struct_size = 0;
    all_modes(&p, SDSWIFT_BAD_STRUCT_SIZE, "struct_size 0");
    /* smaller than the first published version (0.1 ended with extend_bottom) */
    p.struct_size = offsetof(sdswift_generate_params, extend_bottom);
    all_modes(&p, SDSWIFT_BAD_STRUCT_SIZE, "struct_size too small");

    /* ---- values ---- */
    p = base; p.steps = 0;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "steps 0");
    p = base; p.steps = -1;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "steps -1");
    p = base; p.steps = 100000;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "steps 100000");
    p = base; p.guidance = (float)NAN;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "guidance NaN");
    p = base; p.guidance = (float)INFINITY;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "guidance inf");
    p = base; p.guidance = -1;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "guidance -1");
    p = base; p.sampler = (sdswift_sampler)99;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "sampler 99");
    p = base; p.sampler = (sdswift_sampler)-1;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "sampler -1");
    p = base; p.sampler_name = "heun_plus_plus";
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "unknown sampler name");
    p = base; p.sampler_name = "\xff";
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "sampler name not UTF-8");
    p = base; p.prompt = "caf\xc3";
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "prompt not UTF-8");
    p = base; p.negative_prompt = "\x80";
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "negative prompt not UTF-8");
    p = base; p.batch_count = 0;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "batch 0");
    p = base; p.batch_count = 1000;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "batch 1000");
    p = base; p.clip_skip = 0;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "clip_skip 0");
    p = base; p.clip_skip = 50;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "clip_skip 50");
    p = base; p.mask_feather = -1;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "feather -1");
    p = base; p.mask_grow = 100000;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "grow 100000");
    p = base; p.only_masked_padding = -2;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "padding -2");
    p = base; p.outpaint_overlap = -2;
    all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "overlap -2");
    {
        float noise[10] = {0};
        p = base; p.initial_noise = noise; p.initial_noise_count = 10;
        all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "initial noise of the wrong length");
        p = base; p.initial_noise = noise; p.initial_noise_count = 0;
        all_modes(&p, SDSWIFT_INVALID_ARGUMENT, "initial noise with count 0");
    }
    p = base; p.strength = 1.5f;
    CHECK_STATUS(sdswift_img2img(model, NULL, &p, &img, &res), SDSWIFT_INVALID_ARGUMENT);
    CHECK_STATUS(sdswift_inpaint(model, NULL, &p, &img, &mask, &res), SDSWIFT_INVALID_ARGUMENT);
    p.strength = (float)NAN;
    CHECK_STATUS(sdswift_img2img(model, NULL, &p, &img, &res), SDSWIFT_INVALID_ARGUMENT);
    p.strength = -0.1f;
    CHECK_STATUS(sdswift_inpaint(model, NULL, &p, &img, &mask, &res), SDSWIFT_INVALID_ARGUMENT);

    /* ---- sizes ---- */
    p = base; p.width = 0;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_BAD_IMAGE_SIZE);
    p = base; p.height = -16;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_BAD_IMAGE_SIZE);
    p = base; p.width = 17;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_BAD_IMAGE_SIZE);
    p = base; p.width = 8192;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_BAD_IMAGE_SIZE);
    p = base; p.width = p.height = 0x7ffffff0;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_BAD_IMAGE_SIZE);
    bad = img; bad.width = 0;
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &bad, &res), SDSWIFT_BAD_IMAGE_SIZE);
    bad = img; bad.height = 5000;
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &bad, &res), SDSWIFT_BAD_IMAGE_SIZE);
    bad = img; bad.width = -16;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &base, &bad, &res), SDSWIFT_BAD_IMAGE_SIZE);
    bad = img; bad.stride = 10;
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &bad, &res), SDSWIFT_BAD_IMAGE_SIZE);
    bad = img; bad.stride = (size_t)-1 / 2;
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &bad, &res), SDSWIFT_BAD_IMAGE_SIZE);
    bad = img; bad.format = (sdswift_pixel_format)0;
    CHECK_STATUS(sdswift_img2img(model, NULL, &base, &bad, &res), SDSWIFT_INVALID_ARGUMENT);
    bad = mask; bad.format = (sdswift_pixel_format)77;
    CHECK_STATUS(sdswift_inpaint(model, NULL, &base, &img, &bad, &res), SDSWIFT_INVALID_ARGUMENT);

    /* ---- masks ---- */
    bad = mask; bad.width = 8;
    CHECK_STATUS(sdswift_inpaint(model, NULL, &base, &img, &bad, &res), SDSWIFT_MASK_SIZE_MISMATCH);
    bad = mask; bad.height = 100000;
    CHECK_STATUS(sdswift_inpaint(model, NULL, &base, &img, &bad, &res), SDSWIFT_MASK_SIZE_MISMATCH);

    /* ---- outpaint extents ---- */
    p = base;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &img, &res), SDSWIFT_INVALID_ARGUMENT);
    p.extend_left = -8;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &img, &res), SDSWIFT_INVALID_ARGUMENT);
    p.extend_left = 0x7fffffff; p.extend_right = 0x7fffffff;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &img, &res), SDSWIFT_INVALID_ARGUMENT);
    p.extend_left = 4090; p.extend_right = 0;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &img, &res), SDSWIFT_BAD_IMAGE_SIZE);

    /* ---- requests: cancelled before start, in use ---- */
    CHECK_STATUS(sdswift_request_create(&req), SDSWIFT_OK);
    CHECK_STATUS(sdswift_request_cancel(req), SDSWIFT_OK);
    CHECK_STATUS(sdswift_txt2img(model, req, &base, &res), SDSWIFT_CANCELLED);
    CHECK(res == NULL && strlen(sdswift_request_error_message(req)) > 0, "request keeps its message [%s]",
          sdswift_request_error_message(req));
    p = base; p.steps = 0;
    CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_INVALID_ARGUMENT);
    CHECK(strstr(sdswift_request_error_message(req), "steps") != NULL, "request message follows the last run [%s]",
          sdswift_request_error_message(req));
    sdswift_request_reset(req);
    CHECK(sdswift_request_error_message(req)[0] == 0, "reset clears the request message");
    sdswift_request_free(req);

    /* the model handle dies with free, but stays harmless */
    sdswift_model_free(model);
    CHECK_STATUS(sdswift_txt2img(model, NULL, &base, &res), SDSWIFT_INVALID_ARGUMENT);
    sdswift_model_free(model);

    free(img.pixels);
    free(mask.pixels);
    (void)FLT_MAX;
    return CHECK_DONE();
}
