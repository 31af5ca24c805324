/* OpenBLAS, loaded at first use rather than linked.
 *
 * OpenBLAS picks its kernels once, when it is loaded, from the CPU's model. Virtual CPUs that report
 * a generic model ("Intel Xeon Processor") make OpenBLAS 0.3.21 fall back to its Prescott (SSE3)
 * kernels: 4x slower than its Haswell (AVX2/FMA) kernels on the same machine. Loading it ourselves
 * lets us name the kernels, unless the user already chose with OPENBLAS_CORETYPE: SkylakeX (AVX-512)
 * when the CPU and the OS support AVX-512 F/CD/BW/DQ/VL, else Haswell when it has AVX2 and FMA.
 * SkylakeX's sgemm is twice Haswell's on an AVX-512 CPU (145 vs 70 GFLOP/s on 2 threads, measured);
 * BLASTests compares its products with a double-precision loop over every transpose, odd sizes,
 * strides, alpha and beta, and SDSWIFT_BLAS_CORE=Haswell (or OPENBLAS_CORETYPE) overrides the choice.
 * When no OpenBLAS can be loaded, a plain C product keeps us correct.
 *
 * Its worker threads also busy-wait (sched_yield in a loop) for 2^28 cycles, about 0.1 s, after each
 * product before they sleep. Our own parallel loops (attention, Winograd transforms, norms) run on other
 * threads right after a product, so with 2 threads on 2 cores half of our second core went to a
 * yielding OpenBLAS worker: 140,000 sched_yield calls and 1.8 s of system time per 512x512 UNet step.
 * Unless the user sets OPENBLAS_THREAD_TIMEOUT, we load it with 2^14 cycles (a few microseconds: enough
 * for back-to-back products, such as a Winograd convolution's 36, to find the workers awake). */
#include "sdkernels.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
static sgemm_fn blas_sgemm;
static void (*blas_set_threads)(int);
static int (*blas_get_threads)(void);
static char *(*blas_core)(void);
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static char chosen_core[32] = "";

static void blas_load(void) {
    int named = 0;
    if (!getenv("OPENBLAS_CORETYPE")) {
        const char *ours = getenv("SDSWIFT_BLAS_CORE");
        const char *core = ours && ours[0] ? ours
                         : sdk_cpu_has_avx512_skx() ? "SkylakeX"
                         : sdk_cpu_has_avx2_fma() ? "Haswell" : NULL;
        if (core) {
            setenv("OPENBLAS_CORETYPE", core, 1);
            named = 1;
        }
    }
    int timeout_named = 0;
    if (!getenv("OPENBLAS_THREAD_TIMEOUT")) {
        setenv("OPENBLAS_THREAD_TIMEOUT", "14", 1);
        timeout_named = 1;
    }
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so", NULL};
    void *h = NULL;
    for (int i = 0; names[i] && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (named) unsetenv("OPENBLAS_CORETYPE");
    if (timeout_named) unsetenv("OPENBLAS_THREAD_TIMEOUT");
    if (!h) return;
    blas_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    blas_set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    blas_get_threads = (int (*)(void))dlsym(h, "openblas_get_num_threads");
    blas_core = (char *(*)(void))dlsym(h, "openblas_get_corename");
    if (blas_core) {
        strncpy(chosen_core, blas_core(), sizeof chosen_core - 1);
    }
}

const char *sdk_blas_core_name(void) {
    pthread_once(&blas_once, blas_load);
    return blas_sgemm ? (chosen_core[0] ? chosen_core : "OpenBLAS") : "portable C (no OpenBLAS found)";
}

static int fallback_threads = 1;

void sdk_blas_set_threads(int n) {
    pthread_once(&blas_once, blas_load);
    if (n < 1) n = 1;
    if (blas_set_threads) blas_set_threads(n);
    fallback_threads = n;
}

int sdk_blas_get_threads(void) {
    pthread_once(&blas_once, blas_load);
    return blas_get_threads ? blas_get_threads() : fallback_threads;
}

/* Row-major C = alpha op(A) op(B) + beta C without BLAS: slow, but correct. */
void sdk_sgemm_portable(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float acc = 0;
            for (int p = 0; p < k; p++) {
                float x = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float y = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                acc += x * y;
            }
            float *out = &c[(size_t)i * ldc + j];
            *out = alpha * acc + (beta == 0 ? 0 : beta * *out);
        }
    }
}

void sdk_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    pthread_once(&blas_once, blas_load);
    if (blas_sgemm) {
        /* CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 */
        blas_sgemm(101, trans_a ? 112 : 111, trans_b ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    } else {
        sdk_sgemm_portable(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
