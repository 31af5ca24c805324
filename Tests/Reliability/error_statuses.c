/* Every documented error status, reached on purpose, plus extreme but valid values: each call
 * returns its status with a message and the process goes on (run.sh runs this under
 * AddressSanitizer). SDSWIFT_INTERNAL is the one status that cannot be provoked: it marks a bug.
 * Usage: error_statuses SD1_TINY INPAINT_TINY TMPDIR */
#include "../CAPI/check.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

static sdswift_model *model, *inpaint_model;
static int seen[16];
static int calls;

static double last_ms;
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
/* Records a status; prints how long the call since the previous one took. */
static void note(sdswift_status s) {
    double t = now_ms();
    if (s <= 0 && s > -16) seen[-s] = 1;
    calls++;
    if (last_ms > 0) printf("# call %d: %.0f ms\n", calls, t - last_ms);
    last_ms = t;
}

#define EXPECT(call, expected)                  \
    do {                                        \
        sdswift_status s_ = (call);             \
        note(s_);                               \
        CHECK_STATUS(s_, expected);             \
    } while (0)

/* A generation that must succeed and give `count` images of w x h (frees the result). */
#define EXPECT_OK(call, count, w, h, what)                \
    do {                                                  \
        sdswift_status s_ = (call);                       \
        expect_ok(s_, res, count, w, h, what);            \
        res = NULL;                                       \
    } while (0)
static void expect_ok(sdswift_status s, sdswift_result *r, size_t count, int w, int h, const char *what) {
    note(s);
    CHECK(s == SDSWIFT_OK && r && r->count == count && r->images[0].width == w && r->images[0].height == h,
          "%s -> %s (%dx%d) [%s]", what, sdswift_status_string(s), r ? r->images[0].width : 0,
          r ? r->images[0].height : 0, sdswift_last_error_message());
    sdswift_result_free(r);
}

static int stop_now(const sdswift_progress *p, void *user) { (void)p; (void)user; return 1; }

int main(int argc, char **argv) {
    sdswift_generate_params base, p;
    sdswift_result *res = NULL;
    sdswift_image img, mask, odd;
    sdswift_request *req = NULL;
    char path[4096];
    int i, missing = 0;
    if (argc < 4) { fprintf(stderr, "usage: %s SD1_TINY INPAINT_TINY TMPDIR\n", argv[0]); return 2; }

    EXPECT(sdswift_model_load(NULL, NULL, &model), SDSWIFT_NULL_POINTER);
    EXPECT(sdswift_model_load("/no/such/model.safetensors", NULL, &model), SDSWIFT_FILE_NOT_FOUND);
    snprintf(path, sizeof path, "%s/corrupt.safetensors", argv[3]);
    { FILE *f = fopen(path, "wb"); fputs("\x04\0\0\0\0\0\0\0{}}}", f); fclose(f); }
    EXPECT(sdswift_model_load(path, NULL, &model), SDSWIFT_CORRUPT_MODEL);
    snprintf(path, sizeof path, "%s/model.ckpt", argv[3]);
    { FILE *f = fopen(path, "wb"); fputs("\x80\x04\x95pickle", f); fclose(f); }
    EXPECT(sdswift_model_load(path, NULL, &model), SDSWIFT_UNSUPPORTED_MODEL);
    {
        sdswift_load_params lp;
        sdswift_load_params_init(&lp);
        lp.struct_size = 1;
        EXPECT(sdswift_model_load(argv[1], &lp, &model), SDSWIFT_BAD_STRUCT_SIZE);
    }
    EXPECT(sdswift_model_load(argv[1], NULL, &model), SDSWIFT_OK);
    EXPECT(sdswift_model_load(argv[2], NULL, &inpaint_model), SDSWIFT_OK);
    if (!model || !inpaint_model) return CHECK_DONE();

    sdswift_generate_params_init(&base);
    base.width = base.height = 16;
    base.steps = 2;
    img = make_image(16, 16, SDSWIFT_FORMAT_RGB8, 3);
    mask = make_image(16, 16, SDSWIFT_FORMAT_GRAY8, 4);

    p = base; p.steps = 1001;
    EXPECT(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_INVALID_ARGUMENT);
    p = base; p.width = 4100;
    EXPECT(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_BAD_IMAGE_SIZE);
    odd = mask; odd.width = 15;
    EXPECT(sdswift_inpaint(model, NULL, &base, &img, &odd, &res), SDSWIFT_MASK_SIZE_MISMATCH);
    p = base; p.karras = 1; p.sampler = SDSWIFT_SAMPLER_DDIM;
    EXPECT(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_UNSUPPORTED);
    CHECK(strstr(sdswift_last_error_message(), "Karras") != NULL, "Karras with DDIM names the reason");
    EXPECT(sdswift_png_read("/no/such.png", &odd, NULL), SDSWIFT_FILE_NOT_FOUND);
    EXPECT(sdswift_png_read(argv[1], &odd, NULL), SDSWIFT_IO_ERROR);
    snprintf(path, sizeof path, "%s/no/such/dir/out.png", argv[3]);
    EXPECT(sdswift_png_write(path, &img, NULL), SDSWIFT_IO_ERROR);

    /* ---- OUT_OF_MEMORY from the working-memory estimate ---- */
    sdswift_set_memory_limit(1 << 20);
    CHECK(sdswift_get_memory_limit() == 1 << 20, "memory limit reads back");
    EXPECT(sdswift_txt2img(model, NULL, &base, &res), SDSWIFT_OUT_OF_MEMORY);
    CHECK(strstr(sdswift_last_error_message(), "MiB") != NULL, "the message gives the sizes [%s]", sdswift_last_error_message());
    EXPECT(sdswift_img2img(model, NULL, &base, &img, &res), SDSWIFT_OUT_OF_MEMORY);
    sdswift_set_memory_limit(sdswift_estimate_memory(model, 16, 16, 1));
    EXPECT_OK(sdswift_txt2img(model, NULL, &base, &res), 1, 16, 16, "txt2img at exactly the estimate");
    sdswift_set_memory_limit(sdswift_estimate_memory(model, 16, 16, 1) - 1);
    EXPECT(sdswift_txt2img(model, NULL, &base, &res), SDSWIFT_OUT_OF_MEMORY);
    p = base; p.guidance = 1;  /* no guidance: half the UNet batch, a smaller estimate */
    CHECK(sdswift_estimate_memory(model, 16, 16, 0) < sdswift_estimate_memory(model, 16, 16, 1), "guidance costs memory");
    CHECK(sdswift_estimate_memory(model, 4096, 4096, 1) > sdswift_estimate_memory(model, 512, 512, 1) &&
              sdswift_estimate_memory(model, 5000, 16, 1) == 0 && sdswift_estimate_memory(NULL, 16, 16, 1) == 0,
          "estimate grows with size; 0 for bad arguments");
    sdswift_set_memory_limit(0);
    CHECK(sdswift_get_memory_limit() == 0, "memory limit back to automatic");

    /* ---- CANCELLED ---- */
    sdswift_request_create(&req);
    sdswift_request_set_progress(req, stop_now, NULL);
    EXPECT(sdswift_txt2img(model, req, &base, &res), SDSWIFT_CANCELLED);
    sdswift_request_free(req);

    /* ---- caller-controlled extremes that must not abort ---- */
    {
        float noise[4 * 8 * 8];
        for (i = 0; i < 4 * 8 * 8; i++) noise[i] = 0.5f;
        noise[17] = NAN;
        p = base; p.initial_noise = noise; p.initial_noise_count = 4 * 8 * 8;
        EXPECT(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_INVALID_ARGUMENT);
        noise[17] = INFINITY;
        EXPECT(sdswift_txt2img(model, NULL, &p, &res), SDSWIFT_INVALID_ARGUMENT);
        noise[17] = 1e30f;  /* finite but absurd: runs, or reports non-finite output; never traps */
        {
            sdswift_status s = sdswift_txt2img(model, NULL, &p, &res);
            note(s);
            CHECK(s == SDSWIFT_OK || s == SDSWIFT_CORRUPT_MODEL, "noise 1e30 -> %s [%s]", sdswift_status_string(s),
                  sdswift_last_error_message());
            if (s == SDSWIFT_OK) sdswift_result_free(res);
            res = NULL;
        }
    }
    p = base; p.strength = 1e-45f;  /* denormal: steps * strength < 1, input returned */
    note(sdswift_img2img(model, NULL, &p, &img, &res));
    CHECK(res && images_equal(&res->images[0], &img), "strength 1e-45 returns the input [%s]", sdswift_last_error_message());
    sdswift_result_free(res); res = NULL;
    p = base; p.steps = 1000; p.strength = 0.0005f;  /* 1000 steps, none run */
    EXPECT_OK(sdswift_img2img(model, NULL, &p, &img, &res), 1, 16, 16, "steps 1000 x strength 0.0005");
    p = base; p.steps = 1000; p.strength = 0.001f;  /* exactly one of 1000 steps */
    EXPECT_OK(sdswift_img2img(model, NULL, &p, &img, &res), 1, 16, 16, "steps 1000 x strength 0.001");
    p = base; p.guidance = 100; p.seed = UINT64_MAX; p.batch_count = 3;  /* seeds wrap around */
    note(sdswift_txt2img(model, NULL, &p, &res));
    CHECK(res && res->count == 3 && res->seeds[0] == UINT64_MAX && res->seeds[1] == 0 && res->seeds[2] == 1,
          "seed 2^64-1, batch 3: seeds wrap [%s]", sdswift_last_error_message());
    sdswift_result_free(res); res = NULL;
    p = base; p.guidance = 0;
    EXPECT_OK(sdswift_txt2img(model, NULL, &p, &res), 1, 16, 16, "guidance 0");
    p = base; p.width = 2; p.height = 4096; p.steps = 1;  /* smallest by largest */
    EXPECT_OK(sdswift_txt2img(model, NULL, &p, &res), 1, 2, 4096, "2 x 4096 txt2img");
    odd = make_image(1, 1, SDSWIFT_FORMAT_RGBA8, 5);
    EXPECT_OK(sdswift_img2img(model, NULL, &base, &odd, &res), 1, 1, 1, "1x1 RGBA img2img");
    free(odd.pixels);
    {   /* an odd stride with padding bytes that must be ignored */
        sdswift_image s = make_image(13, 7, SDSWIFT_FORMAT_RGB8, 6);
        uint8_t *wide = (uint8_t *)calloc(1, 7 * 41);
        int y;
        for (y = 0; y < 7; y++) memcpy(wide + y * 41, s.pixels + y * 39, 39);
        free(s.pixels);
        s.pixels = wide;
        s.stride = 41;
        EXPECT_OK(sdswift_img2img(model, NULL, &base, &s, &res), 1, 13, 7, "stride 41 for a 13-pixel RGB row");
        EXPECT_OK(sdswift_inpaint(inpaint_model, NULL, &base, &s, &s, &res), 1, 13, 7, "inpaint with the image as its own mask");
        free(wide);
    }
    p = base; p.mask_grow = -256; p.mask_feather = 256;
    note(sdswift_inpaint(model, NULL, &p, &img, &mask, &res));
    CHECK(res != NULL, "grow -256, feather 256 on 16x16 [%s]", sdswift_last_error_message());
    sdswift_result_free(res); res = NULL;
    p = base; p.mask_grow = 256; p.only_masked_padding = 4096;  /* (only_masked works at the native 512: minutes on CPU) */
    note(sdswift_inpaint(model, NULL, &p, &img, &mask, &res));
    CHECK(res != NULL, "grow 256, padding 4096 [%s]", sdswift_last_error_message());
    sdswift_result_free(res); res = NULL;
    p = base; p.extend_right = 1024 - 16; p.steps = 1; p.outpaint_overlap = 4096;
    EXPECT_OK(sdswift_outpaint(model, NULL, &p, &img, &res), 1, 1024, 16, "outpaint to 1024 wide, overlap 4096");
    for (i = 0; sdswift_sampler_name(i); i++) {
        int k;
        for (k = 0; k < 2; k++) {
            sdswift_status s;
            p = base; p.sampler_name = sdswift_sampler_name(i); p.karras = k; p.steps = 3;
            s = sdswift_txt2img(model, NULL, &p, &res);
            note(s);
            CHECK(s == SDSWIFT_OK || (k == 1 && s == SDSWIFT_UNSUPPORTED), "%s karras %d -> %s [%s]",
                  p.sampler_name, k, sdswift_status_string(s), sdswift_last_error_message());
            sdswift_result_free(res); res = NULL;
        }
    }

    /* ---- each documented status was reached (INTERNAL excepted: a bug by definition) ---- */
    for (i = 1; i <= 13; i++) {
        if (i == -SDSWIFT_INTERNAL) continue;
        if (!seen[i]) { missing++; printf("# status %d (%s) never reached\n", -i, sdswift_status_string((sdswift_status)-i)); }
    }
    CHECK(missing == 0, "every documented error status but INTERNAL was reached and survived (%d calls)", calls);

    sdswift_model_free(model);
    sdswift_model_free(inpaint_model);
    free(img.pixels);
    free(mask.pixels);
    return CHECK_DONE();
}
