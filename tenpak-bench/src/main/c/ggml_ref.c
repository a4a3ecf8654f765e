#define GGML_COMMON_DECL_C
#include "ggml-common.h"
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <string.h>
#include "ggml.h"
void ggml_abort(const char *f, int l, const char *fmt, ...) { fprintf(stderr, "abort %s:%d\n", f, l); abort(); }
size_t ggml_row_size(enum ggml_type t, int64_t n) { abort(); }
const char *ggml_type_name(enum ggml_type t) { return "?"; }
size_t ggml_type_size(enum ggml_type t) { abort(); }
#define DECL(T) void quantize_row_##T##_ref(const float*, void*, int64_t); void dequantize_row_##T(const void*, float*, int64_t);
DECL(q4_0) DECL(q4_1) DECL(q5_0) DECL(q5_1) DECL(q8_0) DECL(q2_K) DECL(q3_K) DECL(q4_K) DECL(q5_K) DECL(q6_K)
size_t quantize_iq4_nl(const float*, void*, int64_t, int64_t, const float*); void dequantize_row_iq4_nl(const void*, float*, int64_t);
size_t quantize_iq4_xs(const float*, void*, int64_t, int64_t, const float*); void dequantize_row_iq4_xs(const void*, float*, int64_t);
/* thread CPU time, as the Java side measures: less disturbed by other work on a shared machine */
static double now() { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
typedef void (*qf)(const float*, void*, int64_t);
typedef void (*df)(const void*, float*, int64_t);
static void iq4nl(const float *x, void *y, int64_t k) { quantize_iq4_nl(x, y, k / 256, 256, NULL); }
static void iq4xs(const float *x, void *y, int64_t k) { quantize_iq4_xs(x, y, k / 256, 256, NULL); }
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); fseek(f, 0, SEEK_END); long bytes = ftell(f); fseek(f, 0, SEEK_SET);
    int64_t n = bytes / 4; float *x = malloc(bytes); fread(x, 4, n, f); fclose(f);
    float *y = malloc(bytes); void *q = malloc(bytes);
    struct { const char *name; qf q; df d; int bsz, bytes; } T[] = {
        {"Q2_K", (qf)quantize_row_q2_K_ref, (df)dequantize_row_q2_K, 256, sizeof(block_q2_K)},
        {"Q3_K", (qf)quantize_row_q3_K_ref, (df)dequantize_row_q3_K, 256, sizeof(block_q3_K)},
        {"Q4_0", (qf)quantize_row_q4_0_ref, (df)dequantize_row_q4_0, 32, sizeof(block_q4_0)},
        {"Q4_1", (qf)quantize_row_q4_1_ref, (df)dequantize_row_q4_1, 32, sizeof(block_q4_1)},
        {"IQ4_XS", iq4xs, (df)dequantize_row_iq4_xs, 256, sizeof(block_iq4_xs)},
        {"IQ4_NL", iq4nl, (df)dequantize_row_iq4_nl, 32, sizeof(block_iq4_nl)},
        {"Q4_K", (qf)quantize_row_q4_K_ref, (df)dequantize_row_q4_K, 256, sizeof(block_q4_K)},
        {"Q5_0", (qf)quantize_row_q5_0_ref, (df)dequantize_row_q5_0, 32, sizeof(block_q5_0)},
        {"Q5_1", (qf)quantize_row_q5_1_ref, (df)dequantize_row_q5_1, 32, sizeof(block_q5_1)},
        {"Q5_K", (qf)quantize_row_q5_K_ref, (df)dequantize_row_q5_K, 256, sizeof(block_q5_K)},
        {"Q6_K", (qf)quantize_row_q6_K_ref, (df)dequantize_row_q6_K, 256, sizeof(block_q6_K)},
        {"Q8_0", (qf)quantize_row_q8_0_ref, (df)dequantize_row_q8_0, 32, sizeof(block_q8_0)},
    };
    for (int t = 0; t < (int)(sizeof T / sizeof T[0]); t++) {
        if (argc > 2 && !strstr(argv[2], T[t].name)) continue;
        // REPEATS passes, the fastest of each direction (the bench's -Drepeats sets it)
        int reps = getenv("REPEATS") ? atoi(getenv("REPEATS")) : 1; if (reps < 1) reps = 1;
        double tq = 1e30, td = 1e30;
        for (int r = 0; r < reps; r++) {
            double a = now(); T[t].q(x, q, n); double b = now(); T[t].d(q, y, n); double c = now();
            if (b - a < tq) tq = b - a;
            if (c - b < td) td = c - b;
        }
        double t0 = 0, t1 = tq, t2 = tq + td;
        double se = 0; for (int64_t i = 0; i < n; i++) { double e = (double)x[i] - y[i]; se += e * e; }
        printf("%-7s bpw %.4f  MSE %.4e  quantize %.1f Mweights/s  dequantize %.1f Mweights/s\n", T[t].name,
               8.0 * T[t].bytes / T[t].bsz, se / n, n / (t1 - t0) / 1e6, n / (t2 - t1) / 1e6);
        fflush(stdout);
    }
    return 0;
}
