/* Progress, cancellation and threads: cancel from the callback at step 2 of 20, cancel from another
 * thread, a request in use, two threads sharing one model giving the bytes of sequential runs, and
 * freeing the model while a generation still uses it. Usage: test_threads MODEL */
#include "check.h"

#include <pthread.h>
#include <stdlib.h>

static sdswift_model *model;

static sdswift_generate_params params16(uint64_t seed, int steps) {
    sdswift_generate_params p;
    sdswift_generate_params_init(&p);
    p.prompt = "a lighthouse at dusk";
    p.width = p.height = 16;
    p.steps = steps;
    p.seed = seed;
    return p;
}

/* ---- progress log and cancelling at a step ---- */
typedef struct {
    int events, denoise_events, last_denoise_step, after_cancel, cancel_at, saw_text, saw_decode, bad;
    int cancelled;
} log_t;

static int on_progress(const sdswift_progress *p, void *user) {
    log_t *log = (log_t *)user;
    log->events++;
    if (log->cancelled) log->after_cancel++;
    if (p->struct_size < sizeof(sdswift_progress) || p->image_count != 1 || p->image_index != 0)
        log->bad++;
    /* previews: only on denoising events after the first step, RGB8 at latent size (16 px / 2) */
    if (p->preview != NULL && (p->stage != SDSWIFT_STAGE_DENOISE || p->step < 1 || p->preview->width != 8 ||
                               p->preview->height != 8 || p->preview->format != SDSWIFT_FORMAT_RGB8 ||
                               p->preview->stride != 24 || p->preview->pixels == NULL))
        log->bad++;
    if (p->stage == SDSWIFT_STAGE_DENOISE && p->step >= 1 && p->preview == NULL) log->bad++;
    if (p->stage == SDSWIFT_STAGE_TEXT_ENCODE) log->saw_text = 1;
    if (p->stage == SDSWIFT_STAGE_DECODE) log->saw_decode = 1;
    if (p->stage == SDSWIFT_STAGE_DENOISE) {
        log->denoise_events++;
        if (p->step < log->last_denoise_step || p->step > p->total) log->bad++;
        log->last_denoise_step = p->step;
        if (log->cancel_at >= 0 && p->step == log->cancel_at) {
            log->cancelled = 1;
            return 1;
        }
    }
    return 0;
}

/* ---- cancel from another thread ---- */
typedef struct {
    sdswift_request *req;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int started, cancelled_by_other;
} shared_t;

static int on_progress_wait(const sdswift_progress *p, void *user) {
    shared_t *s = (shared_t *)user;
    if (p->stage != SDSWIFT_STAGE_DENOISE || p->step != 1) return 0;
    /* tell the canceller we are running, then wait until it has cancelled */
    pthread_mutex_lock(&s->lock);
    s->started = 1;
    pthread_cond_broadcast(&s->cond);
    while (!s->cancelled_by_other) pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static void *canceller(void *arg) {
    shared_t *s = (shared_t *)arg;
    pthread_mutex_lock(&s->lock);
    while (!s->started) pthread_cond_wait(&s->cond, &s->lock);
    sdswift_request_cancel(s->req);
    s->cancelled_by_other = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- a request in use; freeing the model mid-run ---- */
typedef struct {
    sdswift_request *req;
    sdswift_status nested;
    int free_model_at;
} reentry_t;

static int on_progress_reenter(const sdswift_progress *p, void *user) {
    reentry_t *r = (reentry_t *)user;
    if (p->stage == SDSWIFT_STAGE_DENOISE && p->step == 1) {
        sdswift_generate_params q = params16(1, 2);
        sdswift_result *res = NULL;
        r->nested = sdswift_txt2img(model, r->req, &q, &res);
        sdswift_result_free(res);
        if (r->free_model_at == 1) sdswift_model_free(model);
    }
    return 0;
}

/* ---- two threads sharing the model ---- */
typedef struct {
    uint64_t seed;
    sdswift_status status;
    sdswift_result *result;
} job_t;

static void *run_job(void *arg) {
    job_t *job = (job_t *)arg;
    sdswift_generate_params p = params16(job->seed, 4);
    sdswift_request *req = NULL;
    sdswift_request_create(&req);
    job->status = sdswift_txt2img(model, req, &p, &job->result);
    sdswift_request_free(req);
    return NULL;
}

int main(int argc, char **argv) {
    sdswift_request *req = NULL;
    sdswift_generate_params p;
    sdswift_result *res = NULL;

    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL\n", argv[0]);
        return 2;
    }
    CHECK_STATUS(sdswift_model_load(argv[1], NULL, &model), SDSWIFT_OK);
    if (!model) return 1;
    CHECK_STATUS(sdswift_request_create(&req), SDSWIFT_OK);

    /* a full run reports text encoding, every step in order, and decoding */
    {
        log_t log;
        memset(&log, 0, sizeof log);
        log.cancel_at = -1;
        sdswift_request_set_progress(req, on_progress, &log);
        p = params16(7, 3);
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_OK);
        CHECK(log.saw_text && log.saw_decode && log.denoise_events >= 3 && log.last_denoise_step == 3 && !log.bad,
              "progress: %d events, %d denoise, last step %d, text %d, decode %d, bad %d", log.events,
              log.denoise_events, log.last_denoise_step, log.saw_text, log.saw_decode, log.bad);
        sdswift_result_free(res);
    }

    /* the callback cancels at step 2 of 20 */
    {
        log_t log;
        memset(&log, 0, sizeof log);
        log.cancel_at = 2;
        sdswift_request_set_progress(req, on_progress, &log);
        p = params16(7, 20);
        res = (sdswift_result *)&log;
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_CANCELLED);
        CHECK(res == NULL && log.cancelled && log.after_cancel == 0 && log.last_denoise_step == 2,
              "cancelled at step 2 of 20: no events after it (last step %d)", log.last_denoise_step);
        CHECK(strlen(sdswift_request_error_message(req)) > 0, "the request has the message [%s]",
              sdswift_request_error_message(req));
        CHECK(sdswift_request_is_cancelled(req) == 0, "a callback's cancel is not sticky");
        /* the request works again at once */
        log.cancel_at = -1;
        log.cancelled = 0;
        p = params16(7, 2);
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_OK);
        CHECK(sdswift_request_error_message(req)[0] == 0, "success clears the request message");
        sdswift_result_free(res);
    }

    /* another thread cancels while the generation runs */
    {
        shared_t s;
        pthread_t t;
        memset(&s, 0, sizeof s);
        s.req = req;
        pthread_mutex_init(&s.lock, NULL);
        pthread_cond_init(&s.cond, NULL);
        sdswift_request_set_progress(req, on_progress_wait, &s);
        pthread_create(&t, NULL, canceller, &s);
        p = params16(7, 20);
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_CANCELLED);
        pthread_join(t, NULL);
        CHECK(sdswift_request_is_cancelled(req) == 1, "sdswift_request_cancel is sticky");
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_CANCELLED);
        sdswift_request_reset(req);
        sdswift_request_set_progress(req, NULL, NULL);
        p = params16(7, 2);
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_OK);
        sdswift_result_free(res);
        pthread_mutex_destroy(&s.lock);
        pthread_cond_destroy(&s.cond);
    }

    /* two threads sharing one model give the bytes of sequential runs */
    {
        job_t seq[2], par[2];
        pthread_t t[2];
        int i;
        memset(seq, 0, sizeof seq);
        memset(par, 0, sizeof par);
        for (i = 0; i < 2; i++) {
            seq[i].seed = par[i].seed = (uint64_t)(100 + i);
            run_job(&seq[i]);
        }
        for (i = 0; i < 2; i++) pthread_create(&t[i], NULL, run_job, &par[i]);
        for (i = 0; i < 2; i++) pthread_join(t[i], NULL);
        CHECK(par[0].result && par[1].result && !results_equal(par[0].result, par[1].result),
              "the two threads' seeds give different images");
        for (i = 0; i < 2; i++) {
            CHECK(seq[i].status == SDSWIFT_OK && par[i].status == SDSWIFT_OK &&
                      results_equal(seq[i].result, par[i].result),
                  "thread %d: same bytes as the sequential run", i);
            sdswift_result_free(seq[i].result);
            sdswift_result_free(par[i].result);
        }
    }

    /* a request used by a second generation while in use; the model freed mid-run */
    {
        reentry_t r;
        r.req = req;
        r.nested = SDSWIFT_OK;
        r.free_model_at = 1;
        sdswift_request_set_progress(req, on_progress_reenter, &r);
        p = params16(7, 3);
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_OK);
        CHECK(r.nested == SDSWIFT_INVALID_ARGUMENT, "a request in use refuses a second generation (%d)", r.nested);
        CHECK(res && res->count == 1, "freeing the model during the run does not disturb it");
        sdswift_result_free(res);
        CHECK_STATUS(sdswift_txt2img(model, req, &p, &res), SDSWIFT_INVALID_ARGUMENT);
    }
    sdswift_request_free(req);
    return CHECK_DONE();
}
