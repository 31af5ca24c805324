/* Mixed prompts, variation seeds and the noise helpers through the C API (tiny model, 16x16).
 * Usage: test_mix MODEL */
#include <math.h>
#include <stddef.h>

#include "check.h"

static sdswift_generate_params base(void) {
    sdswift_generate_params p;
    sdswift_generate_params_init(&p);
    p.width = 16;
    p.height = 16;
    p.steps = 3;
    p.seed = 7;
    return p;
}

static sdswift_result *run(const sdswift_model *m, const sdswift_generate_params *p) {
    sdswift_result *r = NULL;
    if (sdswift_txt2img(m, NULL, p, &r) != SDSWIFT_OK) {
        printf("# txt2img failed: %s\n", sdswift_last_error_message());
        return NULL;
    }
    return r;
}

static int max_pixel_diff(const sdswift_result *a, const sdswift_result *b) {
    int worst = 0;
    size_t i, n;
    if (!a || !b) return 256;
    n = (size_t)a->images[0].width * (size_t)a->images[0].height * 3;
    for (i = 0; i < n; i++) {
        int d = abs((int)a->images[0].pixels[i] - (int)b->images[0].pixels[i]);
        if (d > worst) worst = d;
    }
    return worst;
}

int main(int argc, char **argv) {
    sdswift_model *m = NULL;
    sdswift_generate_params p;
    sdswift_result *plain, *and_syntax, *parts_run, *r;
    sdswift_prompt_part parts[2] = {{"a red circle", 1.0f}, {"a blue square", 0.5f}};
    sdswift_prompt_part many[17];
    float a[4 * 2 * 2], b[4 * 2 * 2], out[4 * 2 * 2], *noise;
    size_t i, count = 4 * 2 * 2;
    if (argc < 2) return 2;

    CHECK(sdswift_features() & SDSWIFT_FEATURE_PROMPT_MIX, "SDSWIFT_FEATURE_PROMPT_MIX is set");
    CHECK(sdswift_version() >= 200, "version %u >= 0.2.0", sdswift_version());
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &m), SDSWIFT_OK);

    /* A caller built against 0.1 (struct ends at extend_bottom) still works, with the new defaults. */
    p = base();
    p.prompt = "a red circle";
    plain = run(m, &p);
    p.struct_size = offsetof(sdswift_generate_params, prompt_parts);
    p.prompt_part_count = 99; /* beyond the old struct: must be ignored */
    r = run(m, &p);
    CHECK(r && results_equal(plain, r), "a 0.1-sized params struct gives the same image (new fields defaulted)");
    sdswift_result_free(r);

    /* The AND syntax and prompt_parts are the same request. */
    p = base();
    p.prompt = "a red circle AND a blue square :0.5";
    and_syntax = run(m, &p);
    p = base();
    p.prompt = "ignored when prompt_parts is given";
    p.prompt_parts = parts;
    p.prompt_part_count = 2;
    parts_run = run(m, &p);
    CHECK(and_syntax && results_equal(and_syntax, parts_run), "prompt \"A AND B :0.5\" == prompt_parts {A,1},{B,0.5}");
    CHECK(!results_equal(plain, parts_run), "composable mix differs from the first prompt alone");
    CHECK(parts_run && strstr(parts_run->parameters[0], "a red circle AND a blue square :0.5") != NULL,
          "parameters text holds the mixed prompt: %s", parts_run ? parts_run->parameters[0] : "");

    /* Blend: weights {1, 0} is the first prompt (up to BLAS rounding), {0.5, 0.5} is something else. */
    p.prompt_mix = SDSWIFT_PROMPT_MIX_BLEND;
    parts[1].weight = 0.0f;
    r = run(m, &p);
    CHECK(max_pixel_diff(plain, r) <= 1, "blend {A:1, B:0} == A alone (max pixel diff %d)", max_pixel_diff(plain, r));
    sdswift_result_free(r);
    parts[1].weight = 1.0f;
    r = run(m, &p);
    CHECK(r && !results_equal(plain, r) && !results_equal(parts_run, r), "blend {A:1, B:1} differs from A and from the composable run");
    CHECK(r && strstr(r->parameters[0], "Prompt mix: blend") != NULL, "blend is named in the parameters");
    sdswift_result_free(r);

    /* Bad mixes: an error and a message, never a crash. */
    p = base();
    p.prompt_parts = NULL;
    p.prompt_part_count = 1;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_NULL_POINTER);
    for (i = 0; i < 17; i++) { many[i].text = "x"; many[i].weight = 1.0f; }
    p.prompt_parts = many;
    p.prompt_part_count = 17;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    p.prompt_part_count = 2;
    many[1].weight = NAN;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    many[1].weight = -1.0f;
    p.prompt_mix = SDSWIFT_PROMPT_MIX_BLEND;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    p.prompt_mix = (sdswift_prompt_mix)7;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    CHECK(r == NULL, "no result after failures");
    p = base();
    p.use_variation_seed = 1;
    p.variation_strength = 1.5f;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);

    /* Variation seed: strength 0 is the seed's image, 1 the variation seed's. */
    p = base();
    p.prompt = "a red circle";
    p.use_variation_seed = 1;
    p.variation_seed = 8;
    p.variation_strength = 0.0f;
    r = run(m, &p);
    CHECK(results_equal(plain, r), "variation strength 0 == seed 7");
    sdswift_result_free(r);
    p.variation_strength = 1.0f;
    r = run(m, &p);
    p = base();
    p.prompt = "a red circle";
    p.seed = 8;
    {
        sdswift_result *seed8 = run(m, &p);
        CHECK(r && results_equal(seed8, r), "variation strength 1 == seed 8");
        sdswift_result_free(r);

        /* Seed travel by hand: initial_noise = slerp(noise(7), noise(8), 1) is seed 8's noise. */
        sdswift_model_info info;
        size_t latents;
        float *n7;
        info.struct_size = sizeof info;
        CHECK_STATUS(sdswift_model_get_info(m, &info), SDSWIFT_OK);
        latents = (size_t)info.latent_channels * (size_t)(16 / info.downscale) * (size_t)(16 / info.downscale);
        noise = (float *)malloc(latents * sizeof(float));
        n7 = (float *)malloc(latents * sizeof(float));
        CHECK_STATUS(sdswift_seed_noise(7, n7, latents), SDSWIFT_OK);
        CHECK_STATUS(sdswift_seed_noise(8, noise, latents), SDSWIFT_OK);
        CHECK_STATUS(sdswift_noise_slerp(n7, noise, latents, 1.0f, noise), SDSWIFT_OK);
        p = base();
        p.prompt = "a red circle";
        p.seed = 123; /* euler draws nothing after the starting noise */
        p.initial_noise = noise;
        p.initial_noise_count = latents;
        r = run(m, &p);
        CHECK(r && results_equal(seed8, r), "initial_noise = slerp(seed_noise(7), seed_noise(8), 1) reproduces seed 8");
        sdswift_result_free(r);
        CHECK_STATUS(sdswift_noise_slerp(n7, noise, latents, 0.5f, noise), SDSWIFT_OK);
        r = run(m, &p);
        CHECK(r && !results_equal(seed8, r) && !results_equal(plain, r), "halfway between seeds 7 and 8: another image");
        free(n7);
        sdswift_result_free(r);
        sdswift_result_free(seed8);
        free(noise);
    }

    /* Slerp endpoints are exact; out may alias an input. */
    CHECK_STATUS(sdswift_noise_slerp(a, b, count, 0.0f, out), SDSWIFT_OK);
    CHECK(memcmp(out, a, sizeof a) == 0, "slerp t=0 == a");
    CHECK_STATUS(sdswift_noise_slerp(a, b, count, 1.0f, out), SDSWIFT_OK);
    CHECK(memcmp(out, b, sizeof b) == 0, "slerp t=1 == b");
    CHECK_STATUS(sdswift_noise_slerp(a, b, count, 0.5f, out), SDSWIFT_OK);
    CHECK_STATUS(sdswift_noise_slerp(a, b, count, 0.5f, a), SDSWIFT_OK);
    CHECK(memcmp(out, a, sizeof a) == 0, "slerp into one of its inputs");
    CHECK_STATUS(sdswift_noise_slerp(NULL, b, count, 0.5f, out), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_noise_slerp(a, b, 0, 0.5f, out), SDSWIFT_INVALID_ARGUMENT);
    CHECK_STATUS(sdswift_noise_slerp(a, b, count, INFINITY, out), SDSWIFT_INVALID_ARGUMENT);
    CHECK_STATUS(sdswift_seed_noise(1, NULL, 4), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_seed_noise(1, out, 0), SDSWIFT_INVALID_ARGUMENT);
    CHECK_STATUS(sdswift_seed_noise(1, out, (size_t)1 << 40), SDSWIFT_INVALID_ARGUMENT);

    /* VAE tiling: a bad value is refused; at 160x160 (80 latents of the tiny model) ON tiles, OFF does not,
     * AUTO tiles above 96 latents only. */
    p = base();
    p.vae_tiling = (sdswift_vae_tiling)9;
    CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    p = base();
    p.width = p.height = 160;
    p.steps = 1;
    p.vae_tiling = SDSWIFT_VAE_TILING_OFF;
    {
        sdswift_result *off = run(m, &p), *on, *automatic;
        p.vae_tiling = SDSWIFT_VAE_TILING_ON;
        on = run(m, &p);
        p.vae_tiling = SDSWIFT_VAE_TILING_AUTO;
        automatic = run(m, &p);
        CHECK(off && on && !results_equal(off, on), "vae_tiling ON decodes 160x160 in tiles (another image than OFF)");
        CHECK(automatic && results_equal(off, automatic), "vae_tiling AUTO decodes 160x160 whole");
        sdswift_result_free(off);
        sdswift_result_free(on);
        sdswift_result_free(automatic);
    }

    sdswift_result_free(plain);
    sdswift_result_free(and_syntax);
    sdswift_result_free(parts_run);
    sdswift_model_free(m);
    return CHECK_DONE();
}
