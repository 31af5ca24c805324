/* One generation on a worker thread. The main thread keeps libgimp (which is not thread-safe) to
 * itself and only polls the job's state; the worker touches nothing but libsdswift.
 *
 * Cancel: sd_job_cancel sets a flag that the engine's progress callback returns (non-zero stops
 * the engine between steps) and also calls sdswift_request_cancel, so a cancel during model
 * loading or before the first step is honoured too. */
#include "sdswift-gimp.h"

#include <stdlib.h>

struct SdJob {
    SdMode mode;
    gchar *model_path, *prompt, *negative, *sampler;
    gboolean karras;
    SdValues v;
    guint64 seed;
    guint8 *rgba, *mask;
    gint width, height;
    sdswift_request *request;
    GThread *thread;
    GMutex lock;
    GCond changed;
    SdJobState state;   /* under lock */
    guint8 *preview;    /* the latest DENOISE preview as RGB8, under lock */
    gint preview_w, preview_h;
    guint preview_serial;
    gint cancel_flag;   /* atomic */
    gint cancel_at_step; /* test hook, see README: SDSWIFT_GIMP_CANCEL_AT_STEP */
    sdswift_status status;
    gchar *message;
    sdswift_result *result;
};

SdJob *sd_job_new(SdMode mode, const gchar *model_path, const SdValues *v, guint64 seed, const guint8 *rgba,
                  gint width, gint height, const guint8 *mask) {
    SdJob *job = g_new0(SdJob, 1);
    job->mode = mode;
    job->model_path = g_strdup(model_path);
    job->prompt = g_strdup(v->prompt);
    job->negative = g_strdup(v->negative);
    job->sampler = sd_sampler_base(v->sampler, &job->karras);
    job->v = *v;
    job->seed = seed;
    job->rgba = rgba ? g_memdup2(rgba, (gsize)width * height * 4) : NULL;
    job->mask = mask ? g_memdup2(mask, (gsize)width * height) : NULL;
    job->width = width;
    job->height = height;
    job->state.loading = TRUE;
    job->state.stage = -1;
    g_mutex_init(&job->lock);
    g_cond_init(&job->changed);
    const gchar *hook = g_getenv("SDSWIFT_GIMP_CANCEL_AT_STEP");
    job->cancel_at_step = hook ? atoi(hook) : 0;
    job->status = sdswift_request_create(&job->request);
    if (job->status != SDSWIFT_OK) job->message = g_strdup(sdswift_last_error_message());
    return job;
}

void sd_job_cancel(SdJob *job) {
    g_atomic_int_set(&job->cancel_flag, 1);
    if (job->request) sdswift_request_cancel(job->request);
    g_mutex_lock(&job->lock);
    g_cond_broadcast(&job->changed);
    g_mutex_unlock(&job->lock);
}

/* Copies an engine preview (any sdswift format) as tight RGB8; called under the lock. */
static void keep_preview(SdJob *job, const sdswift_image *im) {
    gint bpp = im->format == SDSWIFT_FORMAT_GRAY8 ? 1 : im->format == SDSWIFT_FORMAT_RGBA8 ? 4 : 3;
    g_free(job->preview);
    job->preview = g_malloc((gsize)im->width * im->height * 3);
    for (gint y = 0; y < im->height; y++)
        for (gint x = 0; x < im->width; x++) {
            const guint8 *src = im->pixels + (gsize)y * im->stride + (gsize)x * bpp;
            guint8 *dst = job->preview + ((gsize)y * im->width + x) * 3;
            for (gint c = 0; c < 3; c++) dst[c] = src[bpp == 1 ? 0 : c];
        }
    job->preview_w = im->width;
    job->preview_h = im->height;
    job->preview_serial++;
}

static int on_progress(const sdswift_progress *p, void *user_data) {
    SdJob *job = user_data;
    g_mutex_lock(&job->lock);
    job->state.stage = p->stage;
    job->state.step = p->step;
    job->state.total = p->total;
    if (p->preview && p->preview->pixels && p->preview->width > 0 && p->preview->height > 0)
        keep_preview(job, p->preview);
    g_cond_broadcast(&job->changed);
    g_mutex_unlock(&job->lock);
    if (job->cancel_at_step > 0 && p->stage == SDSWIFT_STAGE_DENOISE && p->step >= job->cancel_at_step)
        sd_job_cancel(job);
    return g_atomic_int_get(&job->cancel_flag);
}

static sdswift_status generate(SdJob *job, const sdswift_model *model) {
    sdswift_generate_params p;
    sdswift_generate_params_init(&p);
    p.prompt = job->prompt;
    p.negative_prompt = job->negative;
    p.steps = job->v.steps;
    p.guidance = (float)job->v.guidance;
    p.sampler_name = job->sampler;
    p.karras = job->karras;
    p.seed = job->seed;
    p.strength = (float)job->v.strength;
    p.clip_skip = job->v.clip_skip; /* the engine checks it against the model's text encoder */
    p.rng = (sdswift_rng)job->v.rng;
    sdswift_image image = {job->width, job->height, (size_t)job->width * 4, SDSWIFT_FORMAT_RGBA8, job->rgba};
    sdswift_image mask = {job->width, job->height, (size_t)job->width, SDSWIFT_FORMAT_GRAY8, job->mask};

    switch (job->mode) {
    case SD_TXT2IMG: {
        /* the engine wants multiples of the model's downscale factor: generate a little larger
         * and let modes.c crop the top-left width x height */
        sdswift_model_info info = {.struct_size = sizeof info};
        sdswift_status s = sdswift_model_get_info(model, &info);
        if (s != SDSWIFT_OK) return s;
        gint f = info.downscale > 0 ? info.downscale : 8;
        p.width = (job->width + f - 1) / f * f;
        p.height = (job->height + f - 1) / f * f;
        return sdswift_txt2img(model, job->request, &p, &job->result);
    }
    case SD_IMG2IMG: return sdswift_img2img(model, job->request, &p, &image, &job->result);
    case SD_INPAINT:
        p.mask_feather = 0; /* already feathered by the plug-in, which needs the exact mask itself */
        p.only_masked = job->v.only_masked;
        p.only_masked_padding = job->v.padding;
        return sdswift_inpaint(model, job->request, &p, &image, &mask, &job->result);
    case SD_OUTPAINT:
        p.mask_feather = job->v.feather;
        p.extend_left = job->v.extend[0];
        p.extend_top = job->v.extend[1];
        p.extend_right = job->v.extend[2];
        p.extend_bottom = job->v.extend[3];
        return sdswift_outpaint(model, job->request, &p, &image, &job->result);
    default: return SDSWIFT_INVALID_ARGUMENT;
    }
}

static gpointer worker(gpointer data) {
    SdJob *job = data;
    sdswift_model *model = NULL;
    sdswift_model_extras extras;
    sd_model_extras(&job->v, &extras);
    sdswift_status s = sdswift_model_load_ex(job->model_path, NULL, &extras, &model);
    gchar *message = NULL;
    if (s != SDSWIFT_OK) {
        const gchar *m = sdswift_last_error_message();
        message = g_strdup_printf("Could not load the model: %s", *m ? m : sdswift_status_string(s));
    } else {
        g_mutex_lock(&job->lock);
        job->state.loading = FALSE;
        g_cond_broadcast(&job->changed);
        g_mutex_unlock(&job->lock);
        if (sdswift_request_is_cancelled(job->request)) {
            s = SDSWIFT_CANCELLED;
        } else if ((s = sd_apply_loras(model, &job->v, &message)) != SDSWIFT_OK) {
            /* message set */
        } else {
            s = generate(job, model);
            if (s != SDSWIFT_OK) {
                /* the request's message, else this thread's (both name the failing argument) */
                const gchar *m = sdswift_request_error_message(job->request);
                if (!m || !*m) m = sdswift_last_error_message();
                message = g_strdup(m && *m ? m : sdswift_status_string(s));
            }
        }
    }
    sdswift_model_free(model);
    g_mutex_lock(&job->lock);
    job->status = s;
    job->message = message;
    job->state.done = TRUE;
    g_cond_broadcast(&job->changed);
    g_mutex_unlock(&job->lock);
    return NULL;
}

void sd_job_start(SdJob *job) {
    if (!job->request) { /* sdswift_request_create failed: nothing to run */
        job->state.done = TRUE;
        return;
    }
    sdswift_request_set_progress(job->request, on_progress, job);
    job->thread = g_thread_new("sdswift", worker, job);
}

void sd_job_state(SdJob *job, SdJobState *state) {
    g_mutex_lock(&job->lock);
    *state = job->state;
    g_mutex_unlock(&job->lock);
    state->cancelled = g_atomic_int_get(&job->cancel_flag);
}

gboolean sd_job_wait(SdJob *job, gint timeout_ms) {
    g_mutex_lock(&job->lock);
    if (!job->state.done) {
        gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
        g_cond_wait_until(&job->changed, &job->lock, end);
    }
    gboolean done = job->state.done;
    g_mutex_unlock(&job->lock);
    return done;
}

guint8 *sd_job_preview(SdJob *job, guint *serial, gint *width, gint *height) {
    guint8 *copy = NULL;
    g_mutex_lock(&job->lock);
    if (job->preview && job->preview_serial != *serial) {
        copy = g_memdup2(job->preview, (gsize)job->preview_w * job->preview_h * 3);
        *width = job->preview_w;
        *height = job->preview_h;
        *serial = job->preview_serial;
    }
    g_mutex_unlock(&job->lock);
    return copy;
}

const sdswift_result *sd_job_result(SdJob *job, sdswift_status *status, const gchar **message) {
    if (job->thread) {
        g_thread_join(job->thread);
        job->thread = NULL;
    }
    *status = job->status;
    *message = job->message ? job->message : "";
    return job->status == SDSWIFT_OK ? job->result : NULL;
}

void sd_job_free(SdJob *job) {
    if (!job) return;
    if (job->thread) {
        sd_job_cancel(job);
        g_thread_join(job->thread);
    }
    sdswift_result_free(job->result);
    sdswift_request_free(job->request);
    g_free(job->model_path);
    g_free(job->prompt);
    g_free(job->negative);
    g_free(job->sampler);
    g_free(job->rgba);
    g_free(job->mask);
    g_free(job->preview);
    g_free(job->message);
    g_mutex_clear(&job->lock);
    g_cond_clear(&job->changed);
    g_free(job);
}

gchar *sd_job_state_text(const SdJobState *s) {
    if (s->cancelled && !s->done) return g_strdup("sdswift: cancelling...");
    if (s->loading) return g_strdup("sdswift: loading the model...");
    switch (s->stage) {
    case SDSWIFT_STAGE_TEXT_ENCODE: return g_strdup("sdswift: encoding the prompt...");
    case SDSWIFT_STAGE_ENCODE: return g_strdup("sdswift: encoding the image...");
    case SDSWIFT_STAGE_DENOISE: return g_strdup_printf("sdswift: step %d of %d", s->step, s->total);
    case SDSWIFT_STAGE_DECODE: return g_strdup("sdswift: decoding the image...");
    default: return g_strdup("sdswift: starting...");
    }
}

gdouble sd_job_state_fraction(const SdJobState *s) {
    gdouble part = s->total > 0 ? (gdouble)s->step / s->total : 0.0;
    if (s->done) return 1.0;
    if (s->loading) return 0.0;
    switch (s->stage) {
    case SDSWIFT_STAGE_TEXT_ENCODE: return 0.02;
    case SDSWIFT_STAGE_ENCODE: return 0.02 + 0.03 * part;
    case SDSWIFT_STAGE_DENOISE: return 0.05 + 0.9 * part;
    case SDSWIFT_STAGE_DECODE: return 0.95 + 0.05 * part;
    default: return 0.01;
    }
}

void sd_job_run_with_gimp_progress(SdJob *job) {
    SdJobState last = {.stage = -2};
    gimp_progress_init("sdswift: loading the model...");
    sd_job_start(job);
    for (;;) {
        gboolean done = sd_job_wait(job, 250);
        SdJobState s;
        sd_job_state(job, &s);
        if (s.loading != last.loading || s.stage != last.stage || s.step != last.step || s.cancelled != last.cancelled) {
            gchar *text = sd_job_state_text(&s);
            gimp_progress_set_text(text);
            g_free(text);
            gimp_progress_update(sd_job_state_fraction(&s));
            last = s;
        }
        if (done) break;
    }
    gimp_progress_update(1.0);
}
