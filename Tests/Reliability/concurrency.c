/* Concurrency and determinism.
 *   concurrency MODEL threads N REPS  N threads generate at once on one shared model, each with its
 *                                     own seed and sampler, REPS times; every image must equal, byte
 *                                     for byte, the one a sequential run made for that seed.
 *   concurrency MODEL hashes THREADS  prints one line per sampler x karras: a hash (FNV-1a) of the
 *                                     image for a fixed seed; run.sh compares the lines of separate
 *                                     processes and of THREADS 1 and 2.
 * (16x16, 3 steps, the tiny model.) */
#include "../CAPI/check.h"

#include <pthread.h>

static sdswift_model *model;
static sdswift_result *reference[16];
static int workers;

static void params_for(int i, sdswift_generate_params *p) {
    sdswift_generate_params_init(p);
    p->width = p->height = 16;
    p->steps = 3;
    p->seed = 1000 + (uint64_t)i;
    p->sampler_name = sdswift_sampler_name(i % 5);
    p->prompt = i % 2 ? "a red boat" : "a green hill";
}

static void *worker(void *arg) {
    int i = (int)(long)arg;
    sdswift_generate_params p;
    sdswift_result *r = NULL;
    sdswift_status s;
    long same;
    params_for(i, &p);
    s = sdswift_txt2img(model, NULL, &p, &r);
    same = s == SDSWIFT_OK && results_equal(r, reference[i]);
    sdswift_result_free(r);
    return (void *)same;
}

static uint64_t fnv(const sdswift_image *im) {
    uint64_t h = 1469598103934665603ull;
    size_t i, n = im->stride * (size_t)im->height;
    for (i = 0; i < n; i++) h = (h ^ im->pixels[i]) * 1099511628211ull;
    return h;
}

int main(int argc, char **argv) {
    int i, rep, reps, mismatches = 0;
    if (argc < 4) { fprintf(stderr, "usage: %s MODEL threads N REPS | MODEL hashes THREADS\n", argv[0]); return 2; }
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &model), SDSWIFT_OK);
    if (!model) return CHECK_DONE();

    if (strcmp(argv[2], "hashes") == 0) {
        sdswift_set_threads(atoi(argv[3]));
        for (i = 0; sdswift_sampler_name(i); i++) {
            int k;
            for (k = 0; k < 2; k++) {
                sdswift_generate_params p;
                sdswift_result *a = NULL, *b = NULL;
                params_for(0, &p);
                p.sampler_name = sdswift_sampler_name(i);
                p.karras = k;
                p.seed = 77;
                if (sdswift_txt2img(model, NULL, &p, &a) != SDSWIFT_OK) continue;  /* no Karras for this sampler */
                sdswift_txt2img(model, NULL, &p, &b);
                CHECK(results_equal(a, b), "%s karras %d: two runs in one process are identical", p.sampler_name, k);
                printf("hash %s karras=%d %016llx\n", p.sampler_name, k, (unsigned long long)fnv(&a->images[0]));
                sdswift_result_free(a);
                sdswift_result_free(b);
            }
        }
        sdswift_model_free(model);
        return CHECK_DONE();
    }

    workers = atoi(argv[3]);
    reps = argc > 4 ? atoi(argv[4]) : 20;
    if (workers < 1 || workers > 16) workers = 4;
    for (i = 0; i < workers; i++) {  /* sequential references */
        sdswift_generate_params p;
        params_for(i, &p);
        CHECK_STATUS(sdswift_txt2img(model, NULL, &p, &reference[i]), SDSWIFT_OK);
    }
    for (rep = 0; rep < reps; rep++) {
        pthread_t t[16];
        for (i = 0; i < workers; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
        for (i = 0; i < workers; i++) {
            void *same;
            pthread_join(t[i], &same);
            if (!same) { mismatches++; printf("# repetition %d, thread %d: differs from the sequential run\n", rep, i); }
        }
    }
    CHECK(mismatches == 0, "%d threads x %d repetitions on one model: every image equals the sequential one (%d differ)",
          workers, reps, mismatches);
    for (i = 0; i < workers; i++) sdswift_result_free(reference[i]);
    sdswift_model_free(model);
    return CHECK_DONE();
}
