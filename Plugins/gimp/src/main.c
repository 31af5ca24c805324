/* sdswift for GIMP 2.10: registers Filters > sdswift > Text to Image / Image to Image / Inpaint
 * Selection / Outpaint and runs them (dialog, last values, or all arguments from Script-Fu). */
#include "sdswift-gimp.h"

#include <libgimp/gimpui.h>
#include <string.h>

static const struct {
    const gchar *procedure, *menu, *title, *blurb, *help;
} modes[SD_MODE_COUNT] = {
    {"plug-in-sdswift-txt2img", "_Text to Image...", "sdswift: Text to Image",
     "Generate a new layer from a text prompt (Stable Diffusion)",
     "Generates an image from the prompt as a new layer above the active layer: the size of the image, or of "
     "the selection's bounds (then the selection becomes the layer's mask)."},
    {"plug-in-sdswift-img2img", "_Image to Image...", "sdswift: Image to Image",
     "Redraw the selection (or the layer) from a prompt (Stable Diffusion)",
     "Re-noises the selected part of the layer (the whole layer without a selection) by 'strength' and "
     "denoises it towards the prompt. The result is a new layer over the selection's bounds, masked by the "
     "selection."},
    {"plug-in-sdswift-inpaint", "In_paint Selection...", "sdswift: Inpaint Selection",
     "Repaint the selection from a prompt (Stable Diffusion)",
     "Repaints the selected area (soft selection edges and feathering included) to match the prompt. The "
     "result is a new layer of the layer's size whose layer mask is the feathered selection."},
    {"plug-in-sdswift-outpaint", "_Outpaint...", "sdswift: Outpaint",
     "Grow the canvas and paint the new area (Stable Diffusion)",
     "Grows the canvas by left/top/right/bottom pixels and fills the new area from the prompt. The result is "
     "a new layer covering the grown layer."},
};

const gchar *sd_mode_procedure(SdMode mode) { return modes[mode].procedure; }
const gchar *sd_mode_title(SdMode mode) { return modes[mode].title; }

gboolean sd_mode_from_procedure(const gchar *name, SdMode *mode) {
    for (gint i = 0; i < SD_MODE_COUNT; i++)
        if (strcmp(name, modes[i].procedure) == 0) {
            *mode = (SdMode)i;
            return TRUE;
        }
    return FALSE;
}

static void query(void) {
    static const GimpParamDef return_defs[] = {
        {GIMP_PDB_LAYER, "new-layer", "The new layer holding the result"},
        {GIMP_PDB_INT32, "seed", "The seed that was used"},
    };
    for (gint i = 0; i < SD_MODE_COUNT; i++) {
        gint n = 0;
        GimpParamDef *args = sd_values_param_defs((SdMode)i, &n);
        gimp_install_procedure(modes[i].procedure, modes[i].blurb, modes[i].help, "sdswift", "sdswift", "2025",
                               modes[i].menu, "RGB*, GRAY*", GIMP_PLUGIN, n, G_N_ELEMENTS(return_defs), args,
                               return_defs);
        gimp_plugin_menu_register(modes[i].procedure, "<Image>/Filters/sdswift");
        g_free(args);
    }
}

static void run(const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals, GimpParam **return_vals) {
    static GimpParam values[3];
    static gchar *error = NULL;
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    SdMode mode = SD_TXT2IMG;
    SdValues v;
    gint32 layer = -1, seed = 0;

    g_clear_pointer(&error, g_free);
    *return_vals = values;
    if (!sd_mode_from_procedure(name, &mode) || nparams < 3) {
        status = GIMP_PDB_CALLING_ERROR;
        error = g_strdup_printf("%s: unknown procedure or too few arguments", name);
    } else {
        GimpRunMode run_mode = param[0].data.d_int32;
        gint32 image = param[1].data.d_image, drawable = param[2].data.d_drawable;
        gegl_init(NULL, NULL);
        switch (run_mode) {
        case GIMP_RUN_INTERACTIVE:
            gimp_ui_init("sdswift", FALSE);
            sd_values_load(&v);
            if (!sd_dialog_run(mode, image, &v)) status = GIMP_PDB_CANCEL;
            else sd_values_save(&v);
            break;
        case GIMP_RUN_NONINTERACTIVE:
            if (!sd_values_from_params(mode, nparams, param, &v, &error)) status = GIMP_PDB_CALLING_ERROR;
            /* not arguments: an invalid environment fails the run, not the call */
            else if (!sd_values_from_environment(&v, &error)) status = GIMP_PDB_EXECUTION_ERROR;
            break;
        default: /* GIMP_RUN_WITH_LAST_VALS: Filters > Repeat */
            gimp_ui_init("sdswift", FALSE);
            sd_values_load(&v);
            break;
        }
        if (status == GIMP_PDB_SUCCESS && !sd_values_supported(&v, &error)) status = GIMP_PDB_EXECUTION_ERROR;
        if (status == GIMP_PDB_SUCCESS && !sd_run_mode(mode, run_mode, image, drawable, &v, &layer, &seed, &error))
            status = error ? GIMP_PDB_EXECUTION_ERROR : GIMP_PDB_CANCEL;
    }
    values[0].type = GIMP_PDB_STATUS;
    values[0].data.d_status = status;
    *nreturn_vals = 1;
    if (status == GIMP_PDB_SUCCESS) {
        *nreturn_vals = 3;
        values[1].type = GIMP_PDB_LAYER;
        values[1].data.d_layer = layer;
        values[2].type = GIMP_PDB_INT32;
        values[2].data.d_int32 = seed;
    } else if (error) {
        *nreturn_vals = 2;
        values[1].type = GIMP_PDB_STRING;
        values[1].data.d_string = error;
    }
}

const GimpPlugInInfo PLUG_IN_INFO = {NULL, NULL, query, run};

MAIN()
