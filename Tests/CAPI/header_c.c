/* Compiles with cc -std=c99 -Wall -Wextra -Werror -pedantic: the header is plain C99. */
#include "sdswift.h"

#include <stddef.h>

typedef char assert_struct_size_first[offsetof(sdswift_generate_params, struct_size) == 0 ? 1 : -1];
typedef char assert_load_first[offsetof(sdswift_load_params, struct_size) == 0 ? 1 : -1];
typedef char assert_info_first[offsetof(sdswift_model_info, struct_size) == 0 ? 1 : -1];
typedef char assert_status_ok[SDSWIFT_OK == 0 ? 1 : -1];
typedef char assert_version[SDSWIFT_VERSION_NUMBER >= 100 ? 1 : -1];

static int on_progress(const sdswift_progress *p, void *user) {
    (void)user;
    return p->stage == SDSWIFT_STAGE_DENOISE && p->step > 1000;
}

int main(void) {
    sdswift_progress_fn fn = on_progress;
    (void)fn;
    return 0;
}
