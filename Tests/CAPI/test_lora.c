/* LoRAs through the C API (tiny model, 16x16): merge, unmerge, prompt tags, errors.
 * Usage: test_lora SD1_MODEL LORA_FOLDER SD2_MODEL   (LORA_FOLDER: Tests/Fixtures/lora) */
#include <math.h>
#include <stdio.h>

#include "check.h"

static sdswift_result *run(const sdswift_model *m, const char *prompt) {
    sdswift_generate_params p;
    sdswift_result *r = NULL;
    sdswift_generate_params_init(&p);
    p.width = 16;
    p.height = 16;
    p.steps = 3;
    p.seed = 5;
    p.prompt = prompt;
    if (sdswift_txt2img(m, NULL, &p, &r) != SDSWIFT_OK) {
        printf("# txt2img failed: %s\n", sdswift_last_error_message());
        return NULL;
    }
    return r;
}

static int same_pixels(const sdswift_result *a, const sdswift_result *b) {
    size_t n;
    if (!a || !b) return 0;
    n = (size_t)a->images[0].width * (size_t)a->images[0].height * 3;
    return a->images[0].width == b->images[0].width && memcmp(a->images[0].pixels, b->images[0].pixels, n) == 0;
}

int main(int argc, char **argv) {
    sdswift_model *m = NULL, *sd2 = NULL;
    sdswift_result *plain, *merged, *tagged, *r;
    char kohya[4096], peft[4096], missing[4096];
    sdswift_lora one, bad;
    if (argc < 4) return 2;
    snprintf(kohya, sizeof kohya, "%s/tiny-kohya.safetensors", argv[2]);
    snprintf(peft, sizeof peft, "%s/tiny-peft.safetensors", argv[2]);
    snprintf(missing, sizeof missing, "%s/missing.safetensors", argv[2]);

    CHECK(sdswift_features() & SDSWIFT_FEATURE_LORA, "SDSWIFT_FEATURE_LORA is set");
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &m), SDSWIFT_OK);
    plain = run(m, "a red circle");
    CHECK(sdswift_model_lora_count(m) == 0, "no LoRAs after loading");

    /* merge, then unmerge: back to the very same pixels */
    one.path = kohya;
    one.unet_weight = 0.7f;
    one.text_weight = 0.7f;
    CHECK_STATUS(sdswift_model_set_loras(m, &one, 1), SDSWIFT_OK);
    CHECK(sdswift_model_lora_count(m) == 1, "one LoRA merged");
    merged = run(m, "a red circle");
    CHECK(merged && !same_pixels(plain, merged), "the merged LoRA changes the image");
    CHECK_STATUS(sdswift_model_set_loras(m, NULL, 0), SDSWIFT_OK);
    CHECK(sdswift_model_lora_count(m) == 0, "unmerged");
    r = run(m, "a red circle");
    CHECK(same_pixels(plain, r), "after unmerging, the image without LoRA again");
    sdswift_result_free(r);

    /* the same LoRA in the diffusers/PEFT layout gives the same model */
    one.path = peft;
    CHECK_STATUS(sdswift_model_set_loras(m, &one, 1), SDSWIFT_OK);
    r = run(m, "a red circle");
    CHECK(same_pixels(merged, r), "PEFT layout = kohya layout");
    sdswift_result_free(r);
    CHECK_STATUS(sdswift_model_set_loras(m, NULL, 0), SDSWIFT_OK);

    /* prompt tags: need the folder, then act like the merged LoRA for that generation only */
    r = NULL;
    {
        sdswift_generate_params p;
        sdswift_generate_params_init(&p);
        p.width = 16;
        p.height = 16;
        p.steps = 3;
        p.prompt = "a red circle <lora:tiny-kohya:0.7>";
        CHECK_STATUS(sdswift_txt2img(m, NULL, &p, &r), SDSWIFT_INVALID_ARGUMENT);
    }
    CHECK_STATUS(sdswift_model_set_lora_dir(m, missing), SDSWIFT_FILE_NOT_FOUND);
    CHECK_STATUS(sdswift_model_set_lora_dir(m, argv[2]), SDSWIFT_OK);
    tagged = run(m, "a red circle <lora:tiny-kohya:0.7>");
    CHECK(same_pixels(merged, tagged), "<lora:tiny-kohya:0.7> = the merged LoRA");
    CHECK(tagged && strstr(tagged->parameters[0], "<lora:tiny-kohya:0.7>") != NULL, "the parameters text keeps the tag");
    r = run(m, "a red circle");
    CHECK(same_pixels(plain, r), "the tag applied to its own generation only");
    sdswift_result_free(r);
    CHECK_STATUS(sdswift_model_set_lora_dir(m, NULL), SDSWIFT_OK);

    /* errors change nothing */
    CHECK_STATUS(sdswift_model_set_loras(NULL, &one, 1), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_model_set_loras(m, NULL, 1), SDSWIFT_NULL_POINTER);
    CHECK_STATUS(sdswift_model_set_loras(m, &one, 65), SDSWIFT_INVALID_ARGUMENT);
    bad = one;
    bad.path = NULL;
    CHECK_STATUS(sdswift_model_set_loras(m, &bad, 1), SDSWIFT_NULL_POINTER);
    bad.path = missing;
    CHECK_STATUS(sdswift_model_set_loras(m, &bad, 1), SDSWIFT_FILE_NOT_FOUND);
    bad.path = kohya;
    bad.unet_weight = NAN;
    CHECK_STATUS(sdswift_model_set_loras(m, &bad, 1), SDSWIFT_INVALID_ARGUMENT);
    bad.path = argv[1]; /* a checkpoint, not a LoRA */
    bad.unet_weight = 1;
    CHECK_STATUS(sdswift_model_set_loras(m, &bad, 1), SDSWIFT_UNSUPPORTED_MODEL);
    CHECK(sdswift_model_lora_count(m) == 0, "failed calls merged nothing");
    r = run(m, "a red circle");
    CHECK(same_pixels(plain, r), "still the plain model");
    sdswift_result_free(r);
    CHECK(sdswift_model_lora_count(NULL) == 0, "lora_count of NULL is 0");
    CHECK_STATUS(sdswift_model_set_lora_dir(NULL, NULL), SDSWIFT_NULL_POINTER);

    /* a LoRA for another model family is refused */
    CHECK_STATUS(sdswift_model_load(argv[3], NULL, &sd2), SDSWIFT_OK);
    CHECK_STATUS(sdswift_model_set_loras(sd2, &one, 1), SDSWIFT_UNSUPPORTED_MODEL);
    sdswift_model_free(sd2);

    sdswift_result_free(plain);
    sdswift_result_free(merged);
    sdswift_result_free(tagged);
    sdswift_model_free(m);
    return CHECK_DONE();
}
