/* End-to-end generations on the tiny fixture models: output sizes, determinism (same seed, same
 * bytes), batches, caller noise, samplers, img2img, inpainting (pixels outside the mask unchanged),
 * outpainting, untouched inputs. Usage: test_generate MODEL INPAINT_MODEL TMPDIR */
#include "check.h"

#include <stdlib.h>

static sdswift_model *model;

static unsigned long checksum(const sdswift_image *img) {
    unsigned long h = 5381;
    int y;
    size_t x;
    for (y = 0; y < img->height; y++)
        for (x = 0; x < (size_t)img->width * (size_t)img->format; x++) h = h * 33 + img->pixels[(size_t)y * img->stride + x];
    return h;
}

static sdswift_generate_params params16(void) {
    sdswift_generate_params p;
    sdswift_generate_params_init(&p);
    p.prompt = "a red fox in the snow";
    p.negative_prompt = "blurry";
    p.width = p.height = 16;
    p.steps = 4;
    p.seed = 42;
    return p;
}

static int result_ok(const sdswift_result *r, size_t count, int w, int h) {
    size_t i;
    if (!r || r->count != count || r->struct_size < sizeof(sdswift_result)) return 0;
    for (i = 0; i < count; i++) {
        const sdswift_image *im = &r->images[i];
        if (im->width != w || im->height != h || im->format != SDSWIFT_FORMAT_RGB8 ||
            im->stride != (size_t)w * 3 || !im->pixels || !r->parameters[i] || !r->parameters[i][0])
            return 0;
    }
    return 1;
}

/* Whether a and b (same size, RGB8) agree wherever keep(x, y) says. */
static int equal_where(const sdswift_image *a, const sdswift_image *b, int (*keep)(int, int, void *), void *ctx,
                       int *compared) {
    int x, y, c;
    *compared = 0;
    for (y = 0; y < a->height; y++)
        for (x = 0; x < a->width; x++) {
            if (!keep(x, y, ctx)) continue;
            (*compared)++;
            for (c = 0; c < 3; c++)
                if (a->pixels[(size_t)y * a->stride + (size_t)(x * 3 + c)] !=
                    b->pixels[(size_t)y * b->stride + (size_t)(x * 3 + c)])
                    return 0;
        }
    return 1;
}

static int mask_is_zero(int x, int y, void *ctx) {
    const sdswift_image *m = (const sdswift_image *)ctx;
    return m->pixels[(size_t)y * m->stride + (size_t)x * (size_t)m->format] == 0;
}

static int mask_is_full(int x, int y, void *ctx) {
    const sdswift_image *m = (const sdswift_image *)ctx;
    return m->pixels[(size_t)y * m->stride + (size_t)x * (size_t)m->format] == 255;
}

static int different(const sdswift_result *a, const sdswift_result *b) { return !results_equal(a, b); }

int main(int argc, char **argv) {
    const char *tmp;
    char path[4096];
    sdswift_generate_params p;
    sdswift_result *r1 = NULL, *r2 = NULL, *r3 = NULL;
    sdswift_image input;
    unsigned long input_sum;

    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL INPAINT_MODEL TMPDIR\n", argv[0]);
        return 2;
    }
    tmp = argv[3];
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &model), SDSWIFT_OK);
    if (!model) return 1;

    /* ---- txt2img ---- */
    p = params16();
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r1), SDSWIFT_OK);
    CHECK(result_ok(r1, 1, 16, 16), "txt2img 16x16: one RGB8 16x16 image");
    CHECK(r1 && r1->seeds[0] == 42 && strstr(r1->parameters[0], "Seed: 42") &&
              strstr(r1->parameters[0], "a red fox"),
          "seed and parameters text: [%s]", r1 ? r1->parameters[0] : "");
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
    CHECK(results_equal(r1, r2), "txt2img: same seed, same bytes");
    sdswift_result_free(r2);
    p.seed = 43;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
    CHECK(different(r1, r2), "txt2img: another seed, other bytes");
    sdswift_result_free(r2);
    if (r1) {
        snprintf(path, sizeof path, "%s/txt2img.png", tmp);
        CHECK_STATUS(sdswift_png_write(path, &r1->images[0], r1->parameters[0]), SDSWIFT_OK);
    }

    /* batch: image i uses seed + i, image 0 equals the single run */
    p = params16();
    p.batch_count = 2;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
    CHECK(result_ok(r2, 2, 16, 16) && r2->seeds[0] == 42 && r2->seeds[1] == 43, "batch of 2: seeds 42, 43");
    CHECK(r1 && r2 && r2->count == 2 && images_equal(&r1->images[0], &r2->images[0]),
          "batch image 0 equals the single image");
    sdswift_result_free(r2);
    sdswift_result_free(r1);
    r1 = NULL;

    /* non-square, 32x16 */
    p = params16();
    p.width = 32;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r1), SDSWIFT_OK);
    CHECK(result_ok(r1, 1, 32, 16), "txt2img 32x16");
    sdswift_result_free(r1);

    /* random seed: reported, and reproducible */
    p = params16();
    p.random_seed = 1;
    CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r1), SDSWIFT_OK);
    if (r1) {
        p.random_seed = 0;
        p.seed = r1->seeds[0];
        CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
        CHECK(results_equal(r1, r2), "random seed %llu is reported and reproduces the image",
              (unsigned long long)r1->seeds[0]);
        sdswift_result_free(r2);
    }
    sdswift_result_free(r1);

    /* caller-given initial noise: 1 x 4 x 8 x 8 for 16x16 (downscale 2) */
    {
        float noise[256];
        int i;
        unsigned s = 12345;
        for (i = 0; i < 256; i++) {
            s = s * 1103515245u + 12345u;
            noise[i] = ((float)((s >> 8) & 0xffff) / 65535.0f - 0.5f) * 3.4f;
        }
        p = params16();
        p.initial_noise = noise;
        p.initial_noise_count = 256;
        CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r1), SDSWIFT_OK);
        CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
        CHECK(results_equal(r1, r2), "initial noise: same noise, same bytes");
        sdswift_result_free(r2);
        noise[0] += 2.0f;
        noise[100] -= 2.0f;
        CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
        CHECK(different(r1, r2), "initial noise: other noise, other bytes");
        sdswift_result_free(r2);
        sdswift_result_free(r1);
    }

    /* every sampler, by enum and by name, with and without Karras */
    {
        int i;
        for (i = 0; sdswift_sampler_name(i); i++) {
            p = params16();
            p.steps = 3;
            p.sampler_name = sdswift_sampler_name(i);
            p.karras = i == SDSWIFT_SAMPLER_DPMPP_2M;
            CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r1), SDSWIFT_OK);
            CHECK(result_ok(r1, 1, 16, 16), "sampler %s%s", sdswift_sampler_name(i), p.karras ? " (Karras)" : "");
            if (i <= SDSWIFT_SAMPLER_LCM) {
                p.sampler_name = NULL;
                p.sampler = (sdswift_sampler)i;
                CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &r2), SDSWIFT_OK);
                CHECK(results_equal(r1, r2), "sampler enum %d == name %s", i, sdswift_sampler_name(i));
                sdswift_result_free(r2);
            }
            sdswift_result_free(r1);
        }
    }

    /* ---- img2img ---- */
    input = make_image(16, 16, SDSWIFT_FORMAT_RGB8, 5);
    input_sum = checksum(&input);
    p = params16();
    p.strength = 0.5f;
    CHECK_STATUS(sdswift_img2img(model, NULL, &p, &input, &r1), SDSWIFT_OK);
    CHECK(result_ok(r1, 1, 16, 16), "img2img 16x16");
    CHECK_STATUS(sdswift_img2img(model, NULL, &p, &input, &r2), SDSWIFT_OK);
    CHECK(results_equal(r1, r2), "img2img: same seed, same bytes");
    sdswift_result_free(r2);
    {
        /* the same picture as RGBA with padded rows gives the same result (alpha ignored, stride honoured) */
        sdswift_image rgba = make_image(16, 16, SDSWIFT_FORMAT_RGBA8, 0);
        int x, y;
        rgba.stride = 16 * 4 + 12;
        free(rgba.pixels);
        rgba.pixels = (uint8_t *)calloc(rgba.stride * 16, 1);
        for (y = 0; y < 16; y++)
            for (x = 0; x < 16; x++) {
                memcpy(rgba.pixels + y * rgba.stride + x * 4, input.pixels + y * input.stride + x * 3, 3);
                rgba.pixels[y * rgba.stride + x * 4 + 3] = (uint8_t)(x * 16);
            }
        CHECK_STATUS(sdswift_img2img(model, NULL, &p, &rgba, &r2), SDSWIFT_OK);
        CHECK(results_equal(r1, r2), "img2img: RGBA with padded stride == RGB");
        sdswift_result_free(r2);
        free(rgba.pixels);
    }
    sdswift_result_free(r1);
    {
        sdswift_image odd = make_image(15, 13, SDSWIFT_FORMAT_RGB8, 3);
        CHECK_STATUS(sdswift_img2img(model, NULL, &p, &odd, &r1), SDSWIFT_OK);
        CHECK(result_ok(r1, 1, 15, 13), "img2img keeps an odd input size (15x13)");
        sdswift_result_free(r1);
        free(odd.pixels);
    }

    /* ---- inpaint: left half repainted, right half kept ---- */
    {
        sdswift_image mask = make_image(16, 16, SDSWIFT_FORMAT_GRAY8, 0), mask_rgba;
        int x, y, n = 0;
        for (y = 0; y < 16; y++)
            for (x = 0; x < 16; x++) mask.pixels[y * 16 + x] = x < 8 ? 255 : (x == 8 ? 128 : 0);
        p = params16();
        p.strength = 1.0f;
        CHECK_STATUS(sdswift_inpaint(model, NULL, &p, &input, &mask, &r1), SDSWIFT_OK);
        CHECK(result_ok(r1, 1, 16, 16), "inpaint 16x16");
        if (r1) {
            CHECK(equal_where(&r1->images[0], &input, mask_is_zero, &mask, &n) && n == 7 * 16,
                  "inpaint: the %d pixels outside the mask are unchanged", n);
            CHECK(!equal_where(&r1->images[0], &input, mask_is_full, &mask, &n), "inpaint: the masked area changed");
        }
        CHECK_STATUS(sdswift_inpaint(model, NULL, &p, &input, &mask, &r2), SDSWIFT_OK);
        CHECK(results_equal(r1, r2), "inpaint: same seed, same bytes");
        sdswift_result_free(r2);
        /* an RGBA mask: its first channel is used */
        mask_rgba = make_image(16, 16, SDSWIFT_FORMAT_RGBA8, 9);
        for (y = 0; y < 16; y++)
            for (x = 0; x < 16; x++) mask_rgba.pixels[y * mask_rgba.stride + x * 4] = mask.pixels[y * 16 + x];
        CHECK_STATUS(sdswift_inpaint(model, NULL, &p, &input, &mask_rgba, &r2), SDSWIFT_OK);
        CHECK(results_equal(r1, r2), "inpaint: RGBA mask (first channel) == gray mask");
        sdswift_result_free(r2);
        sdswift_result_free(r1);

        /* only-masked and a feathered, grown mask run too */
        p.only_masked = 1;
        p.only_masked_padding = 2;
        p.mask_feather = 2;
        p.mask_grow = 1;
        CHECK_STATUS(sdswift_inpaint(model, NULL, &p, &input, &mask, &r1), SDSWIFT_OK);
        CHECK(result_ok(r1, 1, 16, 16), "inpaint only-masked, feathered, grown");
        sdswift_result_free(r1);

        /* a 9-channel inpainting model */
        {
            sdswift_model *inpaint_model = NULL;
            sdswift_model_info info;
            info.struct_size = sizeof info;
            CHECK_STATUS(sdswift_model_load(argv[2], NULL, &inpaint_model), SDSWIFT_OK);
            CHECK_STATUS(sdswift_model_get_info(inpaint_model, &info), SDSWIFT_OK);
            CHECK(info.is_inpainting == 1, "inpainting model is flagged");
            p = params16();
            p.strength = 1.0f;
            CHECK_STATUS(sdswift_inpaint(inpaint_model, NULL, &p, &input, &mask, &r1), SDSWIFT_OK);
            CHECK(r1 && result_ok(r1, 1, 16, 16) && equal_where(&r1->images[0], &input, mask_is_zero, &mask, &n),
                  "inpainting model: unmasked pixels unchanged");
            sdswift_result_free(r1);
            sdswift_model_free(inpaint_model);
        }
        free(mask.pixels);
        free(mask_rgba.pixels);
    }

    /* ---- outpaint ---- */
    p = params16();
    p.extend_right = 8;
    p.extend_bottom = 8;
    p.outpaint_overlap = 0;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &input, &r1), SDSWIFT_OK);
    CHECK(result_ok(r1, 1, 24, 24), "outpaint 16x16 + 8 right + 8 bottom = 24x24");
    if (r1) {
        int y, same = 1;
        for (y = 0; y < 16; y++)
            if (memcmp(r1->images[0].pixels + y * r1->images[0].stride, input.pixels + y * input.stride, 48)) same = 0;
        CHECK(same, "outpaint with overlap 0 keeps the original pixels");
    }
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &input, &r2), SDSWIFT_OK);
    CHECK(results_equal(r1, r2), "outpaint: same seed, same bytes");
    sdswift_result_free(r2);
    sdswift_result_free(r1);
    p.extend_right = 0;
    p.extend_bottom = 0;
    p.extend_left = 4;
    p.extend_top = 6;
    p.outpaint_overlap = 4;
    CHECK_STATUS(sdswift_outpaint(model, NULL, &p, &input, &r3), SDSWIFT_OK);
    CHECK(result_ok(r3, 1, 20, 22), "outpaint left 4, top 6 = 20x22");
    sdswift_result_free(r3);

    CHECK(checksum(&input) == input_sum, "the input image was never modified");
    free(input.pixels);
    sdswift_model_free(model);
    return CHECK_DONE();
}
