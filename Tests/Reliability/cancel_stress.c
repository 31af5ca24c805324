/* Cancellation at every progress event of a short run, over and over: each cancelled run returns
 * SDSWIFT_CANCELLED with no result, and memory comes back (resident set size after ROUNDS cancels
 * within a small margin of the size after the first few; run.sh also runs this under ASan's leak
 * checker). Also: cancelling from another thread mid-run, and a progress callback that sleeps.
 * Usage: cancel_stress MODEL [ROUNDS (default 50)] */
#include "../CAPI/check.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

static int events, cancel_at, sleep_us, use_request_cancel;
static sdswift_request *req;

static int on_progress(const sdswift_progress *p, void *user) {
    (void)p; (void)user;
    if (sleep_us) usleep((useconds_t)sleep_us);
    if (events++ == cancel_at) {
        if (use_request_cancel) { sdswift_request_cancel(req); return 0; }
        return 1;
    }
    return 0;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

static void *cancel_later(void *arg) {
    usleep((useconds_t)(long)arg);
    sdswift_request_cancel(req);
    return NULL;
}

int main(int argc, char **argv) {
    sdswift_model *model = NULL;
    sdswift_generate_params p;
    sdswift_result *res = NULL, *reference = NULL;
    sdswift_image img;
    int rounds = argc > 2 ? atoi(argv[2]) : 50, total_events, i, bad = 0, cancels = 0;
    long rss_start = 0, rss_end;
    if (argc < 2) { fprintf(stderr, "usage: %s MODEL [ROUNDS]\n", argv[0]); return 2; }
    sdswift_set_threads(1);
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &model), SDSWIFT_OK);
    if (!model) return CHECK_DONE();
    sdswift_request_create(&req);
    sdswift_request_set_progress(req, on_progress, NULL);
    sdswift_generate_params_init(&p);
    p.width = p.height = 16;
    p.steps = 4;
    img = make_image(16, 16, SDSWIFT_FORMAT_RGB8, 9);

    /* count the events of a full run (and keep its image) */
    events = 0; cancel_at = -1;
    CHECK_STATUS(sdswift_txt2img(model, req, &p, &reference), SDSWIFT_OK);
    total_events = events;
    CHECK(total_events >= p.steps + 2, "a 4-step run reports %d progress events", total_events);

    /* cancel at every event index, alternating callback return and sdswift_request_cancel, in
     * txt2img and img2img; ROUNDS cancels in all */
    for (i = 0; i < rounds; i++) {
        sdswift_status s;
        if (i == 5) rss_start = rss_kb();
        events = 0;
        cancel_at = i % total_events;
        use_request_cancel = (i / total_events) % 2;
        sdswift_request_reset(req);
        res = (sdswift_result *)&img;
        s = (i % 3 == 2) ? sdswift_img2img(model, req, &p, &img, &res) : sdswift_txt2img(model, req, &p, &res);
        if (s == SDSWIFT_CANCELLED && res == NULL && sdswift_request_error_message(req)[0]) {
            cancels++;
        } else {
            bad++;
            printf("# round %d (cancel at event %d): %s [%s]\n", i, cancel_at, sdswift_status_string(s), sdswift_last_error_message());
        }
    }
    rss_end = rss_kb();
    CHECK(bad == 0, "%d of %d cancels at every event index returned CANCELLED with no result", cancels, rounds);
    CHECK(rss_end - rss_start < 8 * 1024, "RSS after round 5: %ld kB, after round %d: %ld kB (growth %ld kB < 8 MB)",
          rss_start, rounds, rss_end, rss_end - rss_start);

    /* the request works again after reset, and gives the same image as before */
    sdswift_request_reset(req);
    events = 0; cancel_at = -1;
    CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_OK);
    CHECK(results_equal(res, reference), "a full run after %d cancels gives the same image", rounds);
    sdswift_result_free(res); res = NULL;

    /* a callback that sleeps 20 ms per event: slower, same image */
    sleep_us = 20000;
    events = 0; cancel_at = -1;
    CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_OK);
    CHECK(results_equal(res, reference), "a sleeping progress callback changes nothing");
    sdswift_result_free(res); res = NULL;

    /* cancel from another thread while the (sleeping) callback holds the run up */
    for (i = 0; i < 5; i++) {
        pthread_t t;
        sdswift_status s;
        sdswift_request_reset(req);
        events = 0; cancel_at = -1;
        pthread_create(&t, NULL, cancel_later, (void *)(long)(5000 + i * 15000));
        s = sdswift_txt2img(model, req, &p, &res);
        pthread_join(t, NULL);
        CHECK(s == SDSWIFT_CANCELLED && res == NULL, "cancel from another thread after %d us -> %s", 5000 + i * 15000,
              sdswift_status_string(s));
        sdswift_result_free(res); res = NULL;
    }
    sleep_us = 0;

    printf("# %d cancels, %d progress events per full run\n", cancels + 5, total_events);
    sdswift_result_free(reference);
    sdswift_request_free(req);
    sdswift_model_free(model);
    free(img.pixels);
    return CHECK_DONE();
}
