/* Interactive runs: a small window with the step count, a progress bar, the engine's preview of
 * the image when the library sends one, and a Cancel button, while the engine works on its worker
 * thread. GIMP 2.10's own status-bar Cancel cannot stop a plug-in gently (the core kills the
 * plug-in process), so this button is the way to stop cleanly. The status bar is fed as well. */
#include "sdswift-gimp.h"

#include <libgimp/gimpui.h>

typedef struct {
    SdJob *job;
    GtkWidget *dialog, *label, *bar, *preview;
    SdJobState last;
    guint preview_serial;
} Window;

#define PREVIEW_SIZE 192

static void free_pixels(guchar *pixels, gpointer unused) { g_free(pixels); }

/* Shows the engine's latest preview of the denoising (latent resolution), scaled up. */
static void update_preview(Window *w) {
    gint pw = 0, ph = 0;
    guint8 *px = sd_job_preview(w->job, &w->preview_serial, &pw, &ph);
    if (!px) return;
    GdkPixbuf *small = gdk_pixbuf_new_from_data(px, GDK_COLORSPACE_RGB, FALSE, 8, pw, ph, pw * 3,
                                                free_pixels, NULL);
    gdouble f = (gdouble)PREVIEW_SIZE / MAX(pw, ph);
    GdkPixbuf *big = gdk_pixbuf_scale_simple(small, MAX(1, (gint)(pw * f)), MAX(1, (gint)(ph * f)), GDK_INTERP_BILINEAR);
    gtk_image_set_from_pixbuf(GTK_IMAGE(w->preview), big);
    gtk_widget_show(w->preview);
    g_object_unref(big);
    g_object_unref(small);
}

static void update(Window *w, const SdJobState *s) {
    gchar *text = sd_job_state_text(s);
    gdouble fraction = sd_job_state_fraction(s);
    gtk_label_set_text(GTK_LABEL(w->label), text);
    gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(w->bar), fraction);
    gimp_progress_set_text(text);
    gimp_progress_update(fraction);
    g_free(text);
}

static gboolean poll_job(gpointer data) {
    Window *w = data;
    SdJobState s;
    sd_job_state(w->job, &s);
    if (s.loading != w->last.loading || s.stage != w->last.stage || s.step != w->last.step ||
        s.cancelled != w->last.cancelled) {
        update(w, &s);
        update_preview(w);
        w->last = s;
    }
    if (s.done) {
        gtk_main_quit();
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void on_response(GtkDialog *dialog, gint response, gpointer data) {
    Window *w = data;
    (void)response;
    sd_job_cancel(w->job);
    gtk_dialog_set_response_sensitive(dialog, GTK_RESPONSE_CANCEL, FALSE);
}

static gboolean on_delete(GtkWidget *widget, GdkEvent *event, gpointer data) {
    (void)event;
    on_response(GTK_DIALOG(widget), GTK_RESPONSE_CANCEL, data);
    return TRUE; /* the window closes when the engine has stopped */
}

void sd_job_run_with_window(SdJob *job, const gchar *title) {
    Window w = {.job = job, .last = {.stage = -2}};
    gimp_progress_init("sdswift: loading the model...");
    w.dialog = gimp_dialog_new(title, "sdswift-progress", NULL, 0, NULL, NULL, "_Cancel", GTK_RESPONSE_CANCEL, NULL);
    gtk_window_set_default_size(GTK_WINDOW(w.dialog), 360, -1);
    GtkWidget *box = gtk_vbox_new(FALSE, 8);
    gtk_container_set_border_width(GTK_CONTAINER(box), 12);
    gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(w.dialog))), box, TRUE, TRUE, 0);
    w.preview = gtk_image_new(); /* shown once the engine sends a preview */
    gtk_box_pack_start(GTK_BOX(box), w.preview, FALSE, FALSE, 0);
    w.label = gtk_label_new("");
    gtk_misc_set_alignment(GTK_MISC(w.label), 0.0, 0.5);
    gtk_box_pack_start(GTK_BOX(box), w.label, FALSE, FALSE, 0);
    w.bar = gtk_progress_bar_new();
    gtk_box_pack_start(GTK_BOX(box), w.bar, FALSE, FALSE, 0);
    g_signal_connect(w.dialog, "response", G_CALLBACK(on_response), &w);
    g_signal_connect(w.dialog, "delete-event", G_CALLBACK(on_delete), &w);
    gimp_window_set_transient(GTK_WINDOW(w.dialog));
    gtk_widget_show_all(w.dialog);
    gtk_widget_hide(w.preview);

    sd_job_start(job);
    g_timeout_add(100, poll_job, &w); /* quits the loop when the job is done */
    gtk_main();
    gtk_widget_destroy(w.dialog);
    gimp_progress_update(1.0);
}
