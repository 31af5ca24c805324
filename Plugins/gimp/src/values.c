/* The parameter set of the four procedures: defaults, the PDB argument lists (common arguments
 * first, then each mode's own), parsing RUN-NONINTERACTIVE arguments and the environment that
 * completes them (settings that are not PDB arguments), and the last values. */
#include "sdswift-gimp.h"

#include <string.h>

#define DATA_KEY "plug-in-sdswift"

void sd_values_defaults(SdValues *v) {
    memset(v, 0, sizeof *v);
    v->version = SD_VALUES_VERSION;
    v->steps = 20;
    v->guidance = 7.5;
    v->strength = 0.75;
    v->seed = 0;
    v->random_seed = TRUE;
    g_strlcpy(v->sampler, "euler", sizeof v->sampler);
    v->feather = 4;
    v->only_masked = FALSE;
    v->padding = 32;
    for (int i = 0; i < 4; i++) v->extend[i] = 64;
    v->lora_weight = 1.0;
    v->clip_skip = 1;
    v->rng = SDSWIFT_RNG_CPU;
}

void sd_values_load(SdValues *v) {
    sd_values_defaults(v);
    if (gimp_get_data_size(DATA_KEY) == sizeof *v) {
        SdValues stored;
        gimp_get_data(DATA_KEY, &stored);
        if (stored.version == SD_VALUES_VERSION) {
            /* strings came from our own struct, but never trust a missing terminator */
            stored.model[SD_PATH_MAX - 1] = stored.prompt[SD_TEXT_MAX - 1] = stored.negative[SD_TEXT_MAX - 1] = 0;
            stored.sampler[sizeof stored.sampler - 1] = stored.lora[SD_PATH_MAX - 1] = 0;
            stored.vae[SD_PATH_MAX - 1] = stored.taesd[SD_PATH_MAX - 1] = 0;
            if (stored.clip_skip < 1 || stored.clip_skip > SD_CLIP_SKIP_MAX) stored.clip_skip = 1;
            if (stored.rng != SDSWIFT_RNG_PHILOX) stored.rng = SDSWIFT_RNG_CPU;
            *v = stored;
        }
    }
}

void sd_values_save(const SdValues *v) { gimp_set_data(DATA_KEY, v, sizeof *v); }

static const GimpParamDef common_defs[] = {
    {GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }"},
    {GIMP_PDB_IMAGE, "image", "The image"},
    {GIMP_PDB_DRAWABLE, "drawable", "The source layer (or its layer mask); txt2img: the layer to put the result above"},
    {GIMP_PDB_STRING, "model",
     "Model: a .safetensors checkpoint or a diffusers folder; \"\": $SDSWIFT_MODEL, else the default model "
     "installed next to the plug-in"},
    {GIMP_PDB_STRING, "prompt", "Prompt"},
    {GIMP_PDB_STRING, "negative-prompt", "Negative prompt"},
    {GIMP_PDB_INT32, "steps", "Sampling steps (1-1000)"},
    {GIMP_PDB_FLOAT, "guidance", "Classifier-free guidance scale (0-100)"},
    {GIMP_PDB_INT32, "seed", "Seed (0-2147483647), -1 for a random one"},
    {GIMP_PDB_STRING, "sampler",
     "Sampler: euler, euler_a, ddim, dpmpp_2m, lcm; append _karras for Karras sigmas (euler_karras, dpmpp_2m_karras)"},
};
#define N_COMMON ((gint)G_N_ELEMENTS(common_defs))

static const GimpParamDef strength_def = {GIMP_PDB_FLOAT, "strength", "Denoising strength (0-1)"};
static const GimpParamDef feather_def = {GIMP_PDB_INT32, "feather", "Mask blur radius in pixels (0-256), on top of the selection's own feathering"};
static const GimpParamDef inpaint_defs[] = {
    {GIMP_PDB_INT32, "only-masked", "1: work on the selection's bounding box plus padding only (faster on big layers)"},
    {GIMP_PDB_INT32, "padding", "Context in pixels around that box (0-4096)"},
};
static const GimpParamDef outpaint_defs[] = {
    {GIMP_PDB_INT32, "left", "Pixels to add on the left (0-4096)"},
    {GIMP_PDB_INT32, "top", "Pixels to add at the top (0-4096)"},
    {GIMP_PDB_INT32, "right", "Pixels to add on the right (0-4096)"},
    {GIMP_PDB_INT32, "bottom", "Pixels to add at the bottom (0-4096)"},
};

GimpParamDef *sd_values_param_defs(SdMode mode, gint *count) {
    GArray *a = g_array_new(FALSE, FALSE, sizeof(GimpParamDef));
    g_array_append_vals(a, common_defs, N_COMMON);
    switch (mode) {
    case SD_TXT2IMG: break;
    case SD_IMG2IMG: g_array_append_val(a, strength_def); break;
    case SD_INPAINT:
        g_array_append_val(a, strength_def);
        g_array_append_val(a, feather_def);
        g_array_append_vals(a, inpaint_defs, G_N_ELEMENTS(inpaint_defs));
        break;
    case SD_OUTPAINT:
        g_array_append_vals(a, outpaint_defs, G_N_ELEMENTS(outpaint_defs));
        g_array_append_val(a, feather_def);
        break;
    default: break;
    }
    *count = (gint)a->len;
    return (GimpParamDef *)g_array_free(a, FALSE);
}

static gboolean copy_string(gchar *dst, gsize size, const gchar *src, const gchar *what, gchar **error) {
    if (!src) src = "";
    if (strlen(src) >= size) {
        *error = g_strdup_printf("%s is too long (at most %u bytes)", what, (unsigned)size - 1);
        return FALSE;
    }
    if (!g_utf8_validate(src, -1, NULL)) {
        *error = g_strdup_printf("%s is not valid UTF-8", what);
        return FALSE;
    }
    g_strlcpy(dst, src, size);
    return TRUE;
}

gboolean sd_values_from_params(SdMode mode, gint nparams, const GimpParam *p, SdValues *v, gchar **error) {
    gint expected = 0;
    g_free(sd_values_param_defs(mode, &expected));
    if (nparams != expected) {
        *error = g_strdup_printf("%s takes %d arguments, got %d", sd_mode_procedure(mode), expected, nparams);
        return FALSE;
    }
    sd_values_defaults(v);
    if (!copy_string(v->model, sizeof v->model, p[3].data.d_string, "model", error) ||
        !copy_string(v->prompt, sizeof v->prompt, p[4].data.d_string, "prompt", error) ||
        !copy_string(v->negative, sizeof v->negative, p[5].data.d_string, "negative-prompt", error))
        return FALSE;
    v->steps = p[6].data.d_int32;
    v->guidance = p[7].data.d_float;
    v->seed = p[8].data.d_int32;
    if (v->seed < -1) {
        *error = g_strdup_printf("seed must be -1 (random) or 0..2147483647, got %d", v->seed);
        return FALSE;
    }
    v->random_seed = v->seed == -1;
    if (v->random_seed) v->seed = 0;
    const gchar *sampler = p[9].data.d_string && *p[9].data.d_string ? p[9].data.d_string : "euler";
    if (!copy_string(v->sampler, sizeof v->sampler, sampler, "sampler", error)) return FALSE;
    gint i = N_COMMON;
    switch (mode) {
    case SD_IMG2IMG: v->strength = p[i].data.d_float; break;
    case SD_INPAINT:
        v->strength = p[i].data.d_float;
        v->feather = p[i + 1].data.d_int32;
        v->only_masked = p[i + 2].data.d_int32 != 0;
        v->padding = p[i + 3].data.d_int32;
        break;
    case SD_OUTPAINT:
        for (int k = 0; k < 4; k++) v->extend[k] = p[i + k].data.d_int32;
        v->feather = p[i + 4].data.d_int32;
        break;
    default: break;
    }
    /* ranges the engine would reject anyway are caught here with the plug-in's own names */
    if (v->feather < 0 || v->feather > 256) {
        *error = g_strdup_printf("feather must be 0..256, got %d", v->feather);
        return FALSE;
    }
    if (v->padding < 0 || v->padding > 4096) {
        *error = g_strdup_printf("padding must be 0..4096, got %d", v->padding);
        return FALSE;
    }
    if (mode == SD_OUTPAINT) {
        gint sum = 0;
        for (int k = 0; k < 4; k++) {
            if (v->extend[k] < 0 || v->extend[k] > 4096) {
                *error = g_strdup_printf("outpaint amounts must be 0..4096, got %d", v->extend[k]);
                return FALSE;
            }
            sum += v->extend[k];
        }
        if (sum == 0) {
            *error = g_strdup("outpaint needs at least one of left, top, right, bottom above 0");
            return FALSE;
        }
    }
    return TRUE;
}

/* The settings that have no PDB argument (adding one would change every script's argument count):
 *   SDSWIFT_CLIP_SKIP  1 (default: all text encoder layers), 2 (A1111's "clip skip 2"), ...; the
 *                      engine rejects values beyond the model's text encoder with a message
 *   SDSWIFT_RNG        cpu (default: PyTorch's CPU generator) or gpu (A1111's GPU / NV source,
 *                      Philox); "nv" and "philox" are accepted too
 *   SDSWIFT_FAST_DECODE  non-empty and not "0": decode with the TAESD ($SDSWIFT_TAESD) */
gboolean sd_values_from_environment(SdValues *v, gchar **error) {
    const gchar *clip = g_getenv("SDSWIFT_CLIP_SKIP"), *rng = g_getenv("SDSWIFT_RNG"), *fast = g_getenv("SDSWIFT_FAST_DECODE");
    if (clip && *clip) {
        gchar *end = NULL;
        gint64 n = g_ascii_strtoll(clip, &end, 10);
        if (end == clip || *end || n < 1 || n > 1000) {
            *error = g_strdup_printf("SDSWIFT_CLIP_SKIP must be a whole number from 1 (the text encoder's last layer) "
                                     "up to its number of layers, got '%s'",
                                     clip);
            return FALSE;
        }
        v->clip_skip = (gint32)n;
    }
    if (rng && *rng) {
        if (g_ascii_strcasecmp(rng, "cpu") == 0) v->rng = SDSWIFT_RNG_CPU;
        else if (g_ascii_strcasecmp(rng, "gpu") == 0 || g_ascii_strcasecmp(rng, "nv") == 0 ||
                 g_ascii_strcasecmp(rng, "philox") == 0)
            v->rng = SDSWIFT_RNG_PHILOX;
        else {
            *error = g_strdup_printf("SDSWIFT_RNG must be cpu or gpu, got '%s'", rng);
            return FALSE;
        }
    }
    v->fast_decode = fast && *fast && strcmp(fast, "0") != 0;
    return TRUE;
}

gboolean sd_values_supported(const SdValues *v, gchar **error) {
    if (v->rng == SDSWIFT_RNG_PHILOX && !(sdswift_features() & SDSWIFT_FEATURE_PHILOX)) {
        *error = g_strdup_printf("The GPU random source needs libsdswift 0.2 or newer with Philox noise; this one is %s",
                                 sdswift_version_string());
        return FALSE;
    }
    return TRUE;
}

gchar *sd_sampler_base(const gchar *sampler, gboolean *karras) {
    static const gchar suffix[] = "_karras";
    gsize n = strlen(sampler), s = sizeof suffix - 1;
    *karras = n > s && strcmp(sampler + n - s, suffix) == 0;
    return g_strndup(sampler, *karras ? n - s : n);
}
