/* Random sources through the C API: sdswift_generate_params.rng and sdswift_seed_noise_rng
 * (PyTorch's CPU generator vs its CUDA Philox generator, AUTOMATIC1111's NV source).
 * Usage: test_rng MODEL (the tiny SD1 model: 16x16 images, 4 x 8 x 8 latents) */
#include <math.h>
#include <stddef.h>

#include "check.h"

#define LATENTS (4 * 8 * 8)

static sdswift_generate_params base(void) {
    sdswift_generate_params p;
    sdswift_generate_params_init(&p);
    p.prompt = "a red circle";
    p.width = 16;
    p.height = 16;
    p.steps = 3;
    p.seed = 42;
    return p; /* euler: the starting noise is the only draw */
}

static sdswift_result *run(const sdswift_model *m, const sdswift_generate_params *p) {
    sdswift_result *r = NULL;
    if (sdswift_txt2img(m, NULL, p, &r) != SDSWIFT_OK) {
        printf("# txt2img failed: %s\n", sdswift_last_error_message());
        return NULL;
    }
    return r;
}

static int same(const sdswift_result *a, const sdswift_result *b) {
    size_t n;
    if (!a || !b) return 0;
    n = (size_t)a->images[0].width * (size_t)a->images[0].height * 3;
    return a->images[0].width == b->images[0].width && a->images[0].height == b->images[0].height &&
           memcmp(a->images[0].pixels, b->images[0].pixels, n) == 0;
}

int main(int argc, char **argv) {
    /* A1111's modules/rng_philox.py docstring: Generator(seed=0).randn((3, 4)) (real CUDA output to
     * ~3e-7). Tests/Fixtures/philox_randn.json: seed 42, first values (A1111's NV source, exact). */
    static const float doc0[12] = {-0.92466259f, -0.42534415f, -2.6438457f, 0.14518388f, -0.12086647f, -0.57972564f,
                                   -0.62285122f, -0.32838709f, -1.07454231f, -0.36314407f, -1.67105067f, 2.26550497f};
    static const float nv42[4] = {0.194018871f, 2.16137385f, -0.172050953f, 0.849059999f};
    sdswift_model *m = NULL;
    sdswift_generate_params p;
    sdswift_result *cpu, *philox, *given, *r;
    float a[LATENTS], b[LATENTS];
    double worst = 0;
    size_t i;
    if (argc < 2) return 2;

    CHECK(sdswift_features() & SDSWIFT_FEATURE_PHILOX, "SDSWIFT_FEATURE_PHILOX is set");
    p = base();
    CHECK(p.rng == SDSWIFT_RNG_CPU, "default rng is SDSWIFT_RNG_CPU");

    /* Noise values. */
    CHECK_STATUS(sdswift_seed_noise_rng(0, SDSWIFT_RNG_PHILOX, a, 12), SDSWIFT_OK);
    for (i = 0; i < 12; i++) worst = fmax(worst, fabs((double)a[i] - (double)doc0[i]));
    CHECK(worst < 1e-6, "Philox seed 0 = A1111's documented randn((3, 4)) (max diff %g)", worst);
    CHECK_STATUS(sdswift_seed_noise_rng(42, SDSWIFT_RNG_PHILOX, a, LATENTS), SDSWIFT_OK);
    CHECK(memcmp(a, nv42, sizeof nv42) == 0, "Philox seed 42 = the fixture: %.9g %.9g %.9g %.9g", a[0], a[1], a[2], a[3]);
    CHECK_STATUS(sdswift_seed_noise_rng(42, SDSWIFT_RNG_CPU, a, LATENTS), SDSWIFT_OK);
    CHECK_STATUS(sdswift_seed_noise(42, b, LATENTS), SDSWIFT_OK);
    CHECK(memcmp(a, b, sizeof a) == 0, "sdswift_seed_noise_rng(CPU) == sdswift_seed_noise");
    CHECK_STATUS(sdswift_seed_noise_rng(42, (sdswift_rng)7, a, 4), SDSWIFT_INVALID_ARGUMENT);
    CHECK_STATUS(sdswift_seed_noise_rng(42, SDSWIFT_RNG_PHILOX, NULL, 4), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_seed_noise_rng(42, SDSWIFT_RNG_PHILOX, a, 0), SDSWIFT_INVALID_ARGUMENT);

    /* Generations. */
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &m), SDSWIFT_OK);
    p = base();
    cpu = run(m, &p);
    p.rng = SDSWIFT_RNG_PHILOX;
    philox = run(m, &p);
    CHECK(cpu && philox && !same(cpu, philox), "rng PHILOX gives another image than CPU for the same seed");
    CHECK(philox && strstr(philox->parameters[0], ", RNG: NV,") != NULL, "PHILOX parameters say RNG: NV: %s",
          philox && strchr(philox->parameters[0], '\n') ? strchr(philox->parameters[0], '\n') + 1 : "");
    CHECK(cpu && strstr(cpu->parameters[0], "RNG:") == NULL, "CPU parameters have no RNG field");

    /* The Philox run's starting noise is sdswift_seed_noise_rng's values. */
    CHECK_STATUS(sdswift_seed_noise_rng(42, SDSWIFT_RNG_PHILOX, a, LATENTS), SDSWIFT_OK);
    p = base();
    p.seed = 5;
    p.initial_noise = a;
    p.initial_noise_count = LATENTS;
    given = run(m, &p);
    CHECK(same(given, philox), "initial_noise = sdswift_seed_noise_rng(42, PHILOX) reproduces the PHILOX image");

    /* A struct that ends before rng: the field is not read (default CPU). */
    p = base();
    p.rng = SDSWIFT_RNG_PHILOX;
    p.struct_size = offsetof(sdswift_generate_params, rng);
    r = run(m, &p);
    CHECK(same(r, cpu), "params ending before rng: rng defaults to CPU");
    sdswift_result_free(r);

    /* A bad value is refused before any work. */
    p = base();
    p.rng = (sdswift_rng)2;
    r = (sdswift_result *)&p; /* must be set to NULL on failure */
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    CHECK(r == NULL, "no result for a bad rng");

    sdswift_result_free(cpu);
    sdswift_result_free(philox);
    sdswift_result_free(given);
    sdswift_model_free(m);
    return CHECK_DONE();
}
