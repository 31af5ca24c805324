/* The parameter dialog (GTK2 + libgimpui): prompt, negative prompt, model file, LoRA file and weight,
 * VAE and TAESD files with fast decode, steps, guidance, strength, seed, sampler, clip skip, random
 * source, and the inpaint / outpaint options of the mode at hand. */
#include "sdswift-gimp.h"

#include <libgimp/gimpui.h>
#include <string.h>

typedef struct {
    SdValues *v;
    GtkWidget *prompt, *negative, *model, *lora, *sampler, *karras, *only_masked;
    GtkWidget *vae, *taesd, *fast_decode, *rng;
    guint32 seed;
} Dialog;

static GtkWidget *text_view(const gchar *text, gint lines, GtkWidget **view) {
    GtkWidget *scrolled = gtk_scrolled_window_new(NULL, NULL);
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
    gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(scrolled), GTK_SHADOW_IN);
    *view = gtk_text_view_new();
    gtk_text_view_set_wrap_mode(GTK_TEXT_VIEW(*view), GTK_WRAP_WORD_CHAR);
    gtk_text_view_set_accepts_tab(GTK_TEXT_VIEW(*view), FALSE); /* Tab moves on to the next field */
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(GTK_TEXT_VIEW(*view)), text, -1);
    gtk_container_add(GTK_CONTAINER(scrolled), *view);
    PangoLayout *layout = gtk_widget_create_pango_layout(*view, "Ag");
    gint h = 16;
    pango_layout_get_pixel_size(layout, NULL, &h);
    g_object_unref(layout);
    gtk_widget_set_size_request(scrolled, 420, h * lines + 8);
    return scrolled;
}

static void read_text(GtkWidget *view, gchar *dst, gsize size) {
    GtkTextBuffer *b = gtk_text_view_get_buffer(GTK_TEXT_VIEW(view));
    GtkTextIter start, end;
    gtk_text_buffer_get_bounds(b, &start, &end);
    gchar *text = gtk_text_buffer_get_text(b, &start, &end, FALSE);
    if (strlen(text) >= size) *g_utf8_find_prev_char(text, text + size - 1) = 0; /* keep whole characters */
    g_strlcpy(dst, text, size);
    g_free(text);
}

static GtkWidget *labelled_frame(const gchar *title, GtkWidget *child) {
    GtkWidget *frame = gimp_frame_new(title);
    gtk_container_add(GTK_CONTAINER(frame), child);
    return frame;
}

static void on_default_model(GtkButton *button, gpointer chooser) {
    (void)button;
    gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(chooser));
}

/* What an empty model choice means here, for the hint under the chooser. */
static gchar *default_model_hint(void) {
    const gchar *env = g_getenv("SDSWIFT_MODEL");
    if (env && *env) return g_strdup_printf("None: uses $SDSWIFT_MODEL (%s)", env);
    gchar *path = sd_default_model_path();
    gchar *hint = g_file_test(path, G_FILE_TEST_EXISTS) ? g_strdup_printf("None: uses the default model (%s)", path)
                                                        : g_strdup("None: no default model is installed, choose one");
    g_free(path);
    return hint;
}

static GtkWidget *model_row(Dialog *d) {
    GtkWidget *box = gtk_vbox_new(FALSE, 2), *row = gtk_hbox_new(FALSE, 4);
    d->model = gtk_file_chooser_button_new("Choose a Stable Diffusion model", GTK_FILE_CHOOSER_ACTION_OPEN);
    GtkFileFilter *f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, "Models (*.safetensors)");
    gtk_file_filter_add_pattern(f, "*.safetensors");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d->model), f);
    f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, "All files");
    gtk_file_filter_add_pattern(f, "*");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d->model), f);
    if (*d->v->model) gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(d->model), d->v->model);
    gtk_box_pack_start(GTK_BOX(row), d->model, TRUE, TRUE, 0);
    GtkWidget *reset = gtk_button_new_with_mnemonic("_Default");
    gimp_help_set_help_data(reset, "Use $SDSWIFT_MODEL or the default model installed with the plug-in", NULL);
    g_signal_connect(reset, "clicked", G_CALLBACK(on_default_model), d->model);
    gtk_box_pack_start(GTK_BOX(row), reset, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), row, FALSE, FALSE, 0);
    gchar *hint = default_model_hint();
    GtkWidget *label = gtk_label_new(hint);
    gtk_widget_set_tooltip_text(label, hint);
    g_free(hint);
    gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_MIDDLE);
    gimp_label_set_attributes(GTK_LABEL(label), PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, PANGO_ATTR_STYLE, PANGO_STYLE_ITALIC, -1);
    gtk_box_pack_start(GTK_BOX(box), label, FALSE, FALSE, 0);
    return box;
}

/* A LoRA file (none by default) and its weight. */
static GtkWidget *lora_row(Dialog *d) {
    GtkWidget *row = gtk_hbox_new(FALSE, 4);
    d->lora = gtk_file_chooser_button_new("Choose a LoRA", GTK_FILE_CHOOSER_ACTION_OPEN);
    GtkFileFilter *f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, "LoRA (*.safetensors)");
    gtk_file_filter_add_pattern(f, "*.safetensors");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d->lora), f);
    if (*d->v->lora) gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(d->lora), d->v->lora);
    gimp_help_set_help_data(d->lora,
                            "A LoRA .safetensors for this model (kohya/AUTOMATIC1111 or diffusers layout), applied to "
                            "the UNet and the text encoder. <lora:NAME:WEIGHT> in the prompt also works when "
                            "$SDSWIFT_LORA_DIR names the folder holding NAME.safetensors",
                            NULL);
    gtk_box_pack_start(GTK_BOX(row), d->lora, TRUE, TRUE, 0);
    GtkWidget *none = gtk_button_new_with_mnemonic("_None");
    gimp_help_set_help_data(none, "No LoRA", NULL);
    g_signal_connect(none, "clicked", G_CALLBACK(on_default_model), d->lora); /* unselects the file */
    gtk_box_pack_start(GTK_BOX(row), none, FALSE, FALSE, 0);
    GtkWidget *weight = gtk_spin_button_new_with_range(-4, 4, 0.05);
    gtk_spin_button_set_digits(GTK_SPIN_BUTTON(weight), 2);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(weight), d->v->lora_weight);
    gimp_help_set_help_data(weight, "LoRA weight (1: as trained)", NULL);
    g_signal_connect(gtk_spin_button_get_adjustment(GTK_SPIN_BUTTON(weight)), "value-changed",
                     G_CALLBACK(gimp_double_adjustment_update), &d->v->lora_weight);
    gtk_box_pack_start(GTK_BOX(row), weight, FALSE, FALSE, 0);
    return row;
}

/* What an empty VAE / TAESD choice means, for the tooltips: the environment's file, else `otherwise`. */
static gchar *env_file_hint(const gchar *variable, const gchar *otherwise) {
    const gchar *env = g_getenv(variable);
    return env && *env ? g_strdup_printf("None: $%s (%s)", variable, env) : g_strdup_printf("None: %s", otherwise);
}

/* A file chooser for *.safetensors (or a diffusers folder's file) with a None button, in `row`. */
static GtkWidget *optional_file(GtkWidget *row, const gchar *title, const gchar *filter_name, const gchar *current,
                                const gchar *tip, const gchar *none_tip) {
    GtkWidget *chooser = gtk_file_chooser_button_new(title, GTK_FILE_CHOOSER_ACTION_OPEN);
    GtkFileFilter *f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, filter_name);
    gtk_file_filter_add_pattern(f, "*.safetensors");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), f);
    f = gtk_file_filter_new();
    gtk_file_filter_set_name(f, "All files");
    gtk_file_filter_add_pattern(f, "*");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), f);
    if (*current) gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), current);
    gimp_help_set_help_data(chooser, tip, NULL);
    gtk_box_pack_start(GTK_BOX(row), chooser, TRUE, TRUE, 0);
    GtkWidget *none = gtk_button_new_with_label("None");
    gimp_help_set_help_data(none, none_tip, NULL);
    g_signal_connect(none, "clicked", G_CALLBACK(on_default_model), chooser); /* unselects the file */
    gtk_box_pack_start(GTK_BOX(row), none, FALSE, FALSE, 0);
    return chooser;
}

/* A VAE replacing the model's (none: $SDSWIFT_VAE, else the model's own). */
static GtkWidget *vae_row(Dialog *d) {
    GtkWidget *row = gtk_hbox_new(FALSE, 4);
    gchar *hint = env_file_hint("SDSWIFT_VAE", "the model's own VAE");
    gchar *tip = g_strdup_printf("A VAE replacing the model's (e.g. vae-ft-mse-840000-ema-pruned.safetensors). %s", hint);
    d->vae = optional_file(row, "Choose a VAE", "VAE (*.safetensors)", d->v->vae, tip, hint);
    g_free(tip);
    g_free(hint);
    return row;
}

/* Fast decode needs a TAESD: the chosen file or $SDSWIFT_TAESD. */
static void update_fast_decode(GtkFileChooser *chooser, Dialog *d) {
    gchar *file = gtk_file_chooser_get_filename(chooser);
    const gchar *env = g_getenv("SDSWIFT_TAESD");
    gtk_widget_set_sensitive(d->fast_decode, file || (env && *env));
    g_free(file);
}

/* A TAESD (full-size previews while it works) and whether it also decodes the result. */
static GtkWidget *taesd_row(Dialog *d) {
    GtkWidget *row = gtk_hbox_new(FALSE, 4);
    gchar *hint = env_file_hint("SDSWIFT_TAESD", "no TAESD (rough previews)");
    gchar *tip = g_strdup_printf("A TAESD tiny autoencoder (taesd_decoder.safetensors): full-size previews while the "
                                 "engine works. %s",
                                 hint);
    d->taesd = optional_file(row, "Choose a TAESD", "TAESD (*.safetensors)", d->v->taesd, tip, hint);
    g_free(tip);
    g_free(hint);
    d->fast_decode = gtk_check_button_new_with_mnemonic("Fast decode _with TAESD");
    gimp_help_set_help_data(d->fast_decode, "Decode the result with the TAESD instead of the VAE: much faster, slightly softer",
                            NULL);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->fast_decode), d->v->fast_decode);
    gtk_box_pack_start(GTK_BOX(row), d->fast_decode, FALSE, FALSE, 0);
    const gchar *env = g_getenv("SDSWIFT_TAESD");
    gtk_widget_set_sensitive(d->fast_decode, *d->v->taesd || (env && *env));
    g_signal_connect(d->taesd, "selection-changed", G_CALLBACK(update_fast_decode), d);
    return row;
}

/* Clip skip and the random source, side by side. */
static GtkWidget *text_and_noise_row(Dialog *d, GtkWidget **clip_skip) {
    GtkWidget *row = gtk_hbox_new(FALSE, 6);
    *clip_skip = gtk_spin_button_new_with_range(1, SD_CLIP_SKIP_MAX, 1);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(*clip_skip), d->v->clip_skip);
    gimp_help_set_help_data(*clip_skip,
                            "Text encoder layers to skip at the end: 1 uses all (the default), 2 the penultimate "
                            "layer (AUTOMATIC1111's \"clip skip 2\", common for anime models)",
                            NULL);
    g_signal_connect(gtk_spin_button_get_adjustment(GTK_SPIN_BUTTON(*clip_skip)), "value-changed",
                     G_CALLBACK(gimp_int_adjustment_update), &d->v->clip_skip);
    gtk_box_pack_start(GTK_BOX(row), *clip_skip, FALSE, FALSE, 0);
    GtkWidget *label = gtk_label_new_with_mnemonic("Random so_urce:");
    gtk_box_pack_start(GTK_BOX(row), label, FALSE, FALSE, 6);
    d->rng = gtk_combo_box_text_new();
    gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(d->rng), "CPU");
    gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(d->rng), "GPU (NV)");
    gboolean philox = (sdswift_features() & SDSWIFT_FEATURE_PHILOX) != 0;
    gtk_combo_box_set_active(GTK_COMBO_BOX(d->rng), philox && d->v->rng == SDSWIFT_RNG_PHILOX ? 1 : 0);
    gtk_widget_set_sensitive(d->rng, philox);
    gimp_help_set_help_data(d->rng,
                            philox ? "How the seed becomes noise. CPU: PyTorch's CPU generator (diffusers with a CPU "
                                     "generator, AUTOMATIC1111's CPU source). GPU: PyTorch's CUDA generator "
                                     "(AUTOMATIC1111's GPU and NV sources), so seeds from GPU images match"
                                   : "This libsdswift has only the CPU random source",
                            NULL);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), d->rng);
    gtk_box_pack_start(GTK_BOX(row), d->rng, FALSE, FALSE, 0);
    return row;
}

static GtkWidget *sampler_row(Dialog *d) {
    GtkWidget *row = gtk_hbox_new(FALSE, 8);
    gboolean karras = FALSE;
    gchar *current = sd_sampler_base(d->v->sampler, &karras);
    d->sampler = gtk_combo_box_text_new();
    for (int i = 0; sdswift_sampler_name(i); i++) {
        gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(d->sampler), sdswift_sampler_name(i));
        if (strcmp(current, sdswift_sampler_name(i)) == 0) gtk_combo_box_set_active(GTK_COMBO_BOX(d->sampler), i);
    }
    if (gtk_combo_box_get_active(GTK_COMBO_BOX(d->sampler)) < 0) gtk_combo_box_set_active(GTK_COMBO_BOX(d->sampler), 0);
    g_free(current);
    gtk_box_pack_start(GTK_BOX(row), d->sampler, FALSE, FALSE, 0);
    d->karras = gtk_check_button_new_with_mnemonic("_Karras sigmas");
    gimp_help_set_help_data(d->karras, "Karras noise schedule (euler, dpmpp_2m)", NULL);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->karras), karras);
    gtk_box_pack_start(GTK_BOX(row), d->karras, FALSE, FALSE, 0);
    return row;
}

/* A slider over the usual range [lo, hi]; the number field accepts up to `max` (what the engine
 * allows), so unusual values can still be typed. */
static GtkObject *scale(GtkWidget *table, gint row, const gchar *label, gdouble value, gdouble lo, gdouble hi,
                        gdouble max, gdouble step, gdouble page, guint digits, const gchar *tip) {
    return gimp_scale_entry_new(GTK_TABLE(table), 0, row, label, 200, 6, value, lo, hi, step, page, digits, max <= hi, lo,
                                max, tip, NULL);
}

static GtkWidget *inpaint_options(Dialog *d) {
    SdValues *v = d->v;
    GtkWidget *table = gtk_table_new(3, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(table), 6);
    gtk_table_set_row_spacings(GTK_TABLE(table), 4);
    GtkObject *adj = scale(table, 0, "_Feather:", v->feather, 0, 64, 256, 1, 4, 0,
                           "Blur radius added to the selection's own soft edge, in pixels");
    g_signal_connect(adj, "value-changed", G_CALLBACK(gimp_int_adjustment_update), &v->feather);
    d->only_masked = gtk_check_button_new_with_mnemonic("Only the _masked area (faster on large layers)");
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->only_masked), v->only_masked);
    gtk_table_attach(GTK_TABLE(table), d->only_masked, 0, 3, 1, 2, GTK_FILL, GTK_FILL, 0, 0);
    adj = scale(table, 2, "_Padding:", v->padding, 0, 256, 4096, 1, 16, 0, "Context around the masked area, in pixels");
    g_signal_connect(adj, "value-changed", G_CALLBACK(gimp_int_adjustment_update), &v->padding);
    g_object_bind_property(d->only_masked, "active", GIMP_SCALE_ENTRY_SCALE(adj), "sensitive", G_BINDING_SYNC_CREATE);
    g_object_bind_property(d->only_masked, "active", GIMP_SCALE_ENTRY_SPINBUTTON(adj), "sensitive", G_BINDING_SYNC_CREATE);
    return labelled_frame("Inpainting", table);
}

static GtkWidget *outpaint_options(Dialog *d) {
    static const gchar *labels[4] = {"_Left:", "_Top:", "_Right:", "_Bottom:"};
    SdValues *v = d->v;
    GtkWidget *table = gtk_table_new(3, 4, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(table), 6);
    gtk_table_set_row_spacings(GTK_TABLE(table), 4);
    for (int i = 0; i < 4; i++) {
        GtkWidget *spin = gtk_spin_button_new_with_range(0, 4096, 8);
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(spin), v->extend[i]);
        g_signal_connect(gtk_spin_button_get_adjustment(GTK_SPIN_BUTTON(spin)), "value-changed",
                         G_CALLBACK(gimp_int_adjustment_update), &v->extend[i]);
        gimp_table_attach_aligned(GTK_TABLE(table), (i % 2) * 2, i / 2, labels[i], 0.0, 0.5, spin, 1, TRUE);
    }
    GtkWidget *box = gtk_vbox_new(FALSE, 4), *t2 = gtk_table_new(1, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(t2), 6);
    GtkObject *adj = scale(t2, 0, "_Feather:", v->feather, 0, 64, 256, 1, 4, 0, "Blur radius of the seam, in pixels");
    g_signal_connect(adj, "value-changed", G_CALLBACK(gimp_int_adjustment_update), &v->feather);
    gtk_box_pack_start(GTK_BOX(box), table, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), t2, FALSE, FALSE, 0);
    return labelled_frame("Grow the canvas by (pixels)", box);
}

/* GimpRandomSeed draws 32-bit seeds, the PDB's seed argument is a signed 32-bit int: keep what
 * the dialog shows within 0..G_MAXINT32, so the seed shown is the seed used and can be typed into
 * a script. */
static void fold_seed(GtkAdjustment *adj, gpointer unused) {
    gdouble value = gtk_adjustment_get_value(adj);
    if (value > G_MAXINT32) gtk_adjustment_set_value(adj, (gdouble)((guint32)value & G_MAXINT32));
}

/* A line saying what the result will cover. */
static gchar *scope_text(SdMode mode, gint32 image) {
    gboolean sel = !gimp_selection_is_empty(image);
    switch (mode) {
    case SD_TXT2IMG: {
        gboolean non_empty = FALSE;
        gint x1 = 0, y1 = 0, x2 = gimp_image_width(image), y2 = gimp_image_height(image);
        if (sel) gimp_selection_bounds(image, &non_empty, &x1, &y1, &x2, &y2);
        return g_strdup_printf("New layer: %d \xC3\x97 %d (%s)", x2 - x1, y2 - y1, non_empty ? "the selection's bounds" : "the image");
    }
    case SD_IMG2IMG: return g_strdup(sel ? "Redraws the selection; the result is a new layer" : "Redraws the whole layer; the result is a new layer");
    case SD_INPAINT: return g_strdup(sel ? "Repaints the selection; the result is a new layer" : "Select the area to repaint first");
    default: return g_strdup("The new area is painted on a new layer");
    }
}

gboolean sd_dialog_run(SdMode mode, gint32 image, SdValues *v) {
    Dialog d = {.v = v, .seed = (guint32)MAX(v->seed, 0)};
    /* no help function: there are no help pages to point at, so no Help button */
    GtkWidget *dialog = gimp_dialog_new(sd_mode_title(mode), "sdswift", NULL, 0, NULL, NULL, "_Cancel",
                                        GTK_RESPONSE_CANCEL, "_Generate", GTK_RESPONSE_OK, NULL);
    gtk_dialog_set_alternative_button_order(GTK_DIALOG(dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
    gimp_window_set_transient(GTK_WINDOW(dialog));
    GtkWidget *main_box = gtk_vbox_new(FALSE, 10);
    gtk_container_set_border_width(GTK_CONTAINER(main_box), 12);
    gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), main_box, TRUE, TRUE, 0);

    gchar *scope = scope_text(mode, image);
    GtkWidget *label = gtk_label_new(scope);
    g_free(scope);
    gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
    gtk_box_pack_start(GTK_BOX(main_box), label, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(main_box), labelled_frame("Prompt", text_view(v->prompt, 4, &d.prompt)), FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(main_box), labelled_frame("Negative prompt", text_view(v->negative, 2, &d.negative)), FALSE,
                       FALSE, 0);

    GtkWidget *table = gtk_table_new(10, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(table), 6);
    gtk_table_set_row_spacings(GTK_TABLE(table), 4);
    gint row = 0;
    gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "_Model:", 0.0, 0.5, model_row(&d), 2, FALSE);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "L_oRA:", 0.0, 0.5, lora_row(&d), 2, FALSE);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "_VAE:", 0.0, 0.5, vae_row(&d), 2, FALSE);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "T_AESD:", 0.0, 0.5, taesd_row(&d), 2, FALSE);
    GtkObject *adj = scale(table, row++, "_Steps:", v->steps, 1, 150, 1000, 1, 10, 0, "Sampling steps");
    g_signal_connect(adj, "value-changed", G_CALLBACK(gimp_int_adjustment_update), &v->steps);
    adj = scale(table, row++, "_Guidance:", v->guidance, 0, 30, 100, 0.5, 1, 1, "How closely to follow the prompt (CFG scale)");
    g_signal_connect(adj, "value-changed", G_CALLBACK(gimp_double_adjustment_update), &v->guidance);
    if (mode == SD_IMG2IMG || mode == SD_INPAINT) {
        adj = scale(table, row++, "S_trength:", v->strength, 0, 1, 1, 0.01, 0.1, 2, "How much to change: 0 keeps, 1 repaints fully");
        g_signal_connect(adj, "value-changed", G_CALLBACK(gimp_double_adjustment_update), &v->strength);
    }
    GtkWidget *seed = gimp_random_seed_new(&d.seed, &v->random_seed);
    g_signal_connect(GIMP_RANDOM_SEED_SPINBUTTON_ADJ(seed), "value-changed", G_CALLBACK(fold_seed), NULL);
    fold_seed(GIMP_RANDOM_SEED_SPINBUTTON_ADJ(seed), NULL);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "S_eed:", 0.0, 0.5, seed, 2, TRUE);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "Sam_pler:", 0.0, 0.5, sampler_row(&d), 2, TRUE);
    GtkWidget *clip_skip = NULL, *text_noise = text_and_noise_row(&d, &clip_skip);
    GtkWidget *clip_label = gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, "Cl_ip skip:", 0.0, 0.5, text_noise, 2, TRUE);
    gtk_label_set_mnemonic_widget(GTK_LABEL(clip_label), clip_skip);
    gtk_box_pack_start(GTK_BOX(main_box), table, FALSE, FALSE, 0);
    if (mode == SD_INPAINT) gtk_box_pack_start(GTK_BOX(main_box), inpaint_options(&d), FALSE, FALSE, 0);
    if (mode == SD_OUTPAINT) gtk_box_pack_start(GTK_BOX(main_box), outpaint_options(&d), FALSE, FALSE, 0);

    gtk_widget_show_all(dialog);
    gtk_widget_grab_focus(d.prompt);
    gboolean ok = gimp_dialog_run(GIMP_DIALOG(dialog)) == GTK_RESPONSE_OK;
    if (ok) {
        read_text(d.prompt, v->prompt, sizeof v->prompt);
        read_text(d.negative, v->negative, sizeof v->negative);
        gchar *file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(d.model));
        g_strlcpy(v->model, file ? file : "", sizeof v->model);
        g_free(file);
        file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(d.lora));
        g_strlcpy(v->lora, file ? file : "", sizeof v->lora);
        g_free(file);
        gchar *name = gtk_combo_box_text_get_active_text(GTK_COMBO_BOX_TEXT(d.sampler));
        gboolean karras = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d.karras));
        g_snprintf(v->sampler, sizeof v->sampler, "%s%s", name ? name : "euler", karras ? "_karras" : "");
        g_free(name);
        file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(d.vae));
        g_strlcpy(v->vae, file ? file : "", sizeof v->vae);
        g_free(file);
        file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(d.taesd));
        g_strlcpy(v->taesd, file ? file : "", sizeof v->taesd);
        g_free(file);
        v->fast_decode = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d.fast_decode));
        v->rng = gtk_combo_box_get_active(GTK_COMBO_BOX(d.rng)) == 1 ? SDSWIFT_RNG_PHILOX : SDSWIFT_RNG_CPU;
        if (mode == SD_INPAINT) v->only_masked = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d.only_masked));
        v->seed = (gint32)MIN(d.seed, (guint32)G_MAXINT32);
    }
    gtk_widget_destroy(dialog);
    return ok;
}
