/* The LoRAs of a run: the dialog's LoRA file at its weight (merged into the freshly loaded model,
 * UNet and text encoder alike) and $SDSWIFT_LORA_DIR, the folder where <lora:NAME:WEIGHT> tags in
 * the prompt find NAME.safetensors (every mode, interactive or not). */
#include "sdswift-gimp.h"

sdswift_status sd_apply_loras(sdswift_model *model, const SdValues *v, gchar **message) {
    const gchar *dir = g_getenv("SDSWIFT_LORA_DIR");
    sdswift_status s = SDSWIFT_OK;
    if (dir && *dir && (s = sdswift_model_set_lora_dir(model, dir)) != SDSWIFT_OK) {
        *message = g_strdup_printf("SDSWIFT_LORA_DIR: %s", sdswift_last_error_message());
        return s;
    }
    if (*v->lora) {
        sdswift_lora lora = {v->lora, (float)v->lora_weight, (float)v->lora_weight};
        if ((s = sdswift_model_set_loras(model, &lora, 1)) != SDSWIFT_OK)
            *message = g_strdup_printf("Could not apply the LoRA: %s", sdswift_last_error_message());
    }
    return s;
}
