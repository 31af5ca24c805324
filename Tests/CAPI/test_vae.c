/* sdswift_model_load_ex: a separate VAE file, TAESD previews and fast decode, timestep spacing, and the
 * UNet call counter (one call of one batch item per step without guidance).
 * Usage: test_vae FIXTURES_DIR (Tests/Fixtures) */
#include "check.h"

static char fixtures[2048];

static const char *fixture(const char *relative) {
    static char paths[8][4096];
    static int next = 0;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", fixtures, relative);
    return p;
}

typedef struct {
    int previews, width, height;
    unsigned char last[16 * 16 * 3];
} preview_log;

static int on_progress(const sdswift_progress *p, void *user) {
    preview_log *log = user;
    if (p->stage == SDSWIFT_STAGE_DENOISE && p->preview) {
        const sdswift_image *im = p->preview;
        int y;
        log->previews++;
        log->width = im->width;
        log->height = im->height;
        if (im->width <= 16 && im->height <= 16) {
            for (y = 0; y < im->height; y++) memcpy(log->last + y * im->width * 3, im->pixels + y * im->stride, (size_t)im->width * 3);
        }
    }
    return 0;
}

static sdswift_model *load(const char *model, sdswift_prediction prediction, const sdswift_model_extras *extras) {
    sdswift_model *m = NULL;
    sdswift_load_params lp;
    sdswift_load_params_init(&lp);
    lp.prediction = prediction;
    CHECK_STATUS(sdswift_model_load_ex(model, &lp, extras, &m), SDSWIFT_OK);
    return m;
}

/* One 16x16 txt2img; returns its result (NULL on failure), logging previews when log is given. */
static sdswift_result *run(sdswift_model *m, int steps, float guidance, const char *sampler, preview_log *log) {
    sdswift_generate_params p;
    sdswift_request *req = NULL;
    sdswift_result *r = NULL;
    sdswift_generate_params_init(&p);
    p.prompt = "a red cube";
    p.negative_prompt = "blurry";
    p.width = 16;
    p.height = 16;
    p.steps = steps;
    p.guidance = guidance;
    p.sampler_name = sampler;
    p.seed = 42;
    if (log) {
        sdswift_request_create(&req);
        sdswift_request_set_progress(req, on_progress, log);
    }
    CHECK_STATUS(sdswift_txt2img(m, req, &p, &r), SDSWIFT_OK);
    sdswift_request_free(req);
    return r;
}

static int same_image(const sdswift_result *a, const sdswift_result *b) {
    return a && b && a->images[0].width == b->images[0].width &&
           memcmp(a->images[0].pixels, b->images[0].pixels, (size_t)a->images[0].width * a->images[0].height * 3) == 0;
}

/* UNet calls and batch items one generation takes. */
static void count(sdswift_model *m, int steps, float guidance, const char *sampler, uint64_t *calls, uint64_t *items) {
    uint64_t items0 = 0, items1 = 0;
    uint64_t calls0 = sdswift_model_unet_calls(m, &items0);
    sdswift_result_free(run(m, steps, guidance, sampler, NULL));
    *calls = sdswift_model_unet_calls(m, &items1) - calls0;
    *items = items1 - items0;
}

int main(int argc, char **argv) {
    sdswift_model_extras e;
    sdswift_model *plain, *m = NULL;
    sdswift_result *base, *r, *r2;
    uint64_t calls, items;
    preview_log log;

    if (argc < 2) { fprintf(stderr, "usage: test_vae FIXTURES_DIR\n"); return 2; }
    snprintf(fixtures, sizeof fixtures, "%s", argv[1]);
    const char *sd1 = fixture("models/sd1-tiny.safetensors");

    sdswift_model_extras_init(&e);
    CHECK(e.struct_size == sizeof e && !e.vae_path && !e.taesd_path && !e.fast_decode && !e.timestep_spacing,
          "extras_init: defaults");
    sdswift_model_extras_init(NULL);

    plain = load(sd1, SDSWIFT_PREDICTION_AUTO, NULL);
    base = run(plain, 3, 7.5f, NULL, NULL);

    /* a separate VAE: another image */
    e.vae_path = fixture("vae/vae-tiny-ldm.safetensors");
    m = load(sd1, SDSWIFT_PREDICTION_AUTO, &e);
    r = run(m, 3, 7.5f, NULL, NULL);
    CHECK(r && base && !same_image(r, base), "vae_path: the override VAE gives another image");
    sdswift_result_free(r);
    sdswift_model_free(m);

    /* TAESD previews only: full-size previews, the VAE's final image */
    sdswift_model_extras_init(&e);
    e.taesd_path = fixture("taesd/taesd2x.safetensors");
    m = load(sd1, SDSWIFT_PREDICTION_AUTO, &e);
    memset(&log, 0, sizeof log);
    r = run(m, 3, 7.5f, NULL, &log);
    CHECK(log.previews == 3 && log.width == 16 && log.height == 16, "taesd_path: %d previews of %dx%d (16x16 expected)",
          log.previews, log.width, log.height);
    CHECK(same_image(r, base), "taesd_path without fast_decode: the VAE's image");
    sdswift_result_free(r);
    sdswift_model_free(m);

    /* fast decode: the last preview (the final latents through TAESD) is the image */
    e.fast_decode = 1;
    m = load(sd1, SDSWIFT_PREDICTION_AUTO, &e);
    memset(&log, 0, sizeof log);
    r = run(m, 3, 7.5f, NULL, &log);
    CHECK(r && !same_image(r, base), "fast_decode: another image than the VAE's");
    CHECK(r && log.previews == 3 && memcmp(log.last, r->images[0].pixels, sizeof log.last) == 0,
          "fast_decode: the last preview is the final image");
    sdswift_result_free(r);
    sdswift_model_free(m);

    /* without TAESD the previews are latent-size */
    memset(&log, 0, sizeof log);
    sdswift_result_free(run(plain, 2, 7.5f, NULL, &log));
    CHECK(log.previews == 2 && log.width == 8 && log.height == 8, "no TAESD: %dx%d previews", log.width, log.height);

    /* SD-Turbo settings: SD2 architecture, epsilon, trailing spacing, one step without guidance */
    sdswift_model_extras_init(&e);
    e.timestep_spacing = "trailing";
    m = load(fixture("models/sd2-tiny.safetensors"), SDSWIFT_PREDICTION_EPSILON, &e);
    count(m, 1, 1.0f, "euler_a", &calls, &items);
    CHECK(calls == 1 && items == 1, "1 step, guidance 1: %llu UNet calls, %llu batch items", (unsigned long long)calls,
          (unsigned long long)items);
    count(m, 1, 0.0f, "euler_a", &calls, &items);
    CHECK(calls == 1 && items == 1, "1 step, guidance 0: %llu UNet calls, %llu batch items", (unsigned long long)calls,
          (unsigned long long)items);
    r = run(m, 1, 1.0f, "euler_a", NULL);
    r2 = run(m, 1, 0.0f, "euler_a", NULL);
    CHECK(same_image(r, r2), "guidance 0 and 1 give the same image");
    sdswift_result_free(r);
    sdswift_result_free(r2);
    sdswift_model_free(m);

    count(plain, 4, 1.0f, "lcm", &calls, &items);
    CHECK(calls == 4 && items == 4, "LCM 4 steps, guidance 1: %llu calls, %llu items", (unsigned long long)calls,
          (unsigned long long)items);
    count(plain, 2, 7.5f, NULL, &calls, &items);
    CHECK(calls == 2 && items == 4, "guidance 7.5, 2 steps: %llu calls, %llu items (two per call)", (unsigned long long)calls,
          (unsigned long long)items);
    CHECK(sdswift_model_unet_calls(NULL, &items) == 0 && items == 0, "unet_calls(NULL) is 0");

    /* errors */
    sdswift_model_extras_init(&e);
    e.fast_decode = 1;
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_INVALID_ARGUMENT);
    CHECK(m == NULL, "out is NULL after a failure");
    sdswift_model_extras_init(&e);
    e.vae_path = fixture("vae/missing.safetensors");
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_FILE_NOT_FOUND);
    e.vae_path = fixture("taesd/taesd2x.safetensors");
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_UNSUPPORTED_MODEL);
    sdswift_model_extras_init(&e);
    e.taesd_path = fixture("taesd/taesd-tiny");  /* 8x: does not fit the 2x tiny model */
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_UNSUPPORTED_MODEL);
    CHECK(strstr(sdswift_last_error_message(), "does not fit") != NULL, "the message says it does not fit: %s",
          sdswift_last_error_message());
    sdswift_model_extras_init(&e);
    e.timestep_spacing = "sideways";
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_INVALID_ARGUMENT);
    e.timestep_spacing = "";
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_INVALID_ARGUMENT);
    sdswift_model_extras_init(&e);
    e.struct_size = 0;
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, &e, &m), SDSWIFT_BAD_STRUCT_SIZE);
    CHECK_STATUS(sdswift_model_load_ex(NULL, NULL, NULL, &m), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_model_load_ex(sd1, NULL, NULL, NULL), SDSWIFT_NULL_POINTER);

    sdswift_result_free(base);
    sdswift_model_free(plain);
    return CHECK_DONE();
}
