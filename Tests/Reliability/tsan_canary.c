/* A deliberate data race through the library: a thread generates with a params struct that the
 * main thread writes at the same time (the same value, but without synchronization). tsan.sh
 * expects ThreadSanitizer to report it with a frame inside libsdswift (SDSwiftCAPI reads the
 * struct in instrumented Swift code): a setup that stays silent here would make a clean
 * concurrency run meaningless.   Usage: tsan_canary MODEL */
#include <pthread.h>
#include <stdio.h>

#include "sdswift.h"

static sdswift_model *model;
static sdswift_generate_params params;

static void *generate(void *arg) {
    sdswift_result *r = NULL;
    (void)arg;
    sdswift_txt2img(model, NULL, &params, &r);
    sdswift_result_free(r);
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t t;
    if (argc < 2 || sdswift_model_load(argv[1], NULL, &model) != SDSWIFT_OK) {
        fprintf(stderr, "usage: %s MODEL (a model that loads)\n", argv[0]);
        return 2;
    }
    sdswift_generate_params_init(&params);
    params.width = params.height = 16;
    params.steps = 1;
    params.prompt = "a red boat";
    pthread_create(&t, NULL, generate, NULL);
    params.struct_size = sizeof params;  /* the race */
    pthread_join(t, NULL);
    sdswift_model_free(model);
    return 0;
}
