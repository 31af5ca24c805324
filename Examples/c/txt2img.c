/* A minimal C program using libsdswift: text to image, with progress and a PNG with its
 * generation parameters.
 *   cc -std=c99 txt2img.c $(pkg-config --cflags --libs sdswift) -o txt2img
 *   ./txt2img model.safetensors out.png "a lighthouse at dusk" [SIZE] [STEPS] */
#include <stdio.h>
#include <stdlib.h>

#include "sdswift.h"

static int show_progress(const sdswift_progress *p, void *user) {
    (void)user;
    if (p->stage == SDSWIFT_STAGE_DENOISE) fprintf(stderr, "\rstep %d/%d", p->step, p->total);
    if (p->stage == SDSWIFT_STAGE_DECODE && p->step == p->total) fprintf(stderr, "\n");
    return 0; /* non-zero would cancel */
}

int main(int argc, char **argv) {
    sdswift_model *model = NULL;
    sdswift_request *request = NULL;
    sdswift_result *result = NULL;
    sdswift_generate_params params;
    sdswift_status status;

    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL OUT.png PROMPT [SIZE] [STEPS]\n", argv[0]);
        return 2;
    }
    if (sdswift_abi_version() != SDSWIFT_ABI_VERSION) {
        fprintf(stderr, "libsdswift ABI %u, this program needs %d\n", sdswift_abi_version(), SDSWIFT_ABI_VERSION);
        return 1;
    }
    status = sdswift_model_load(argv[1], NULL, &model);
    if (status != SDSWIFT_OK) {
        fprintf(stderr, "%s: %s\n", sdswift_status_string(status), sdswift_last_error_message());
        return 1;
    }
    sdswift_request_create(&request);
    sdswift_request_set_progress(request, show_progress, NULL);

    sdswift_generate_params_init(&params);
    params.prompt = argv[3];
    params.negative_prompt = "blurry, low quality";
    if (argc > 4) params.width = params.height = atoi(argv[4]);
    if (argc > 5) params.steps = atoi(argv[5]);
    params.random_seed = 1;

    status = sdswift_txt2img(model, request, &params, &result);
    if (status == SDSWIFT_OK) {
        status = sdswift_png_write(argv[2], &result->images[0], result->parameters[0]);
        if (status == SDSWIFT_OK) printf("%s: seed %llu\n", argv[2], (unsigned long long)result->seeds[0]);
    }
    if (status != SDSWIFT_OK) fprintf(stderr, "%s: %s\n", sdswift_status_string(status), sdswift_last_error_message());

    sdswift_result_free(result);
    sdswift_request_free(request);
    sdswift_model_free(model);
    return status == SDSWIFT_OK ? 0 : 1;
}
