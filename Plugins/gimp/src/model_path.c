/* Which model to load: the one asked for, else $SDSWIFT_MODEL, else the default model that
 * `make install` puts next to the plug-in binary (sdswift-default.safetensors). */
#include "sdswift-gimp.h"

#define DEFAULT_MODEL_NAME "sdswift-default.safetensors"

gchar *sd_default_model_path(void) {
    /* /proc/self/exe: the installed binary, whatever GIMP's working directory is */
    gchar *exe = g_file_read_link("/proc/self/exe", NULL);
    gchar *dir = exe ? g_path_get_dirname(exe) : g_strdup(".");
    gchar *path = g_build_filename(dir, DEFAULT_MODEL_NAME, NULL);
    g_free(dir);
    g_free(exe);
    return path;
}

/* Files loaded next to the model: the VAE replacing the model's and the TAESD (full-size previews in
 * the progress window; with fast_decode it also decodes the result). The dialog's files win; when
 * it has none (and in scripts) $SDSWIFT_VAE and $SDSWIFT_TAESD serve. Fast decode without any TAESD
 * is ignored, as it always was for $SDSWIFT_FAST_DECODE. */
void sd_model_extras(const SdValues *v, sdswift_model_extras *e) {
    const gchar *vae = g_getenv("SDSWIFT_VAE"), *taesd = g_getenv("SDSWIFT_TAESD");
    sdswift_model_extras_init(e);
    e->vae_path = *v->vae ? v->vae : vae && *vae ? vae : NULL;
    e->taesd_path = *v->taesd ? v->taesd : taesd && *taesd ? taesd : NULL;
    e->fast_decode = e->taesd_path && v->fast_decode;
}

gchar *sd_resolve_model(const gchar *requested, gchar **error) {
    if (requested && *requested) return g_strdup(requested);
    const gchar *env = g_getenv("SDSWIFT_MODEL");
    if (env && *env) return g_strdup(env);
    gchar *fallback = sd_default_model_path();
    if (g_file_test(fallback, G_FILE_TEST_EXISTS)) return fallback;
    *error = g_strdup_printf("No model given: choose a model file, set SDSWIFT_MODEL, or install the default "
                             "model as %s",
                             fallback);
    g_free(fallback);
    return NULL;
}
