/*
 * What calling tenpak through libtenpak costs: the JVM hosting per process (time to the first call,
 * resident memory before and after), an empty call (a bundle with no tensors, compressed and
 * decompressed), and a 1 MB JSON bundle round trip, cold and warm.
 * Usage: bench_tenpak BUNDLE.json [ITERATIONS]   (writes the 1 MB bundle there, for the CLI to compare)
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tenpak.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = atol(line + 6);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kib;
}

/* A JSON bundle of about 1 MB: one 256 x 320 tensor of Gaussian values (std 0.02), fixed seed. */
static char *bundle(size_t *len) {
    size_t cap = 2 << 20, n = 0;
    char *s = malloc(cap);
    n += (size_t) snprintf(s, cap, "{\"tensors\": [{\"name\": \"layer.weight\", \"shape\": [256, 320], \"data\": [");
    uint64_t x = 0x16;
    for (int i = 0; i < 256 * 320; i++) {
        double u1, u2;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        u1 = ((x >> 11) + 1.0) / 9007199254740993.0;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        u2 = (x >> 11) / 9007199254740992.0;
        double g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2) * 0.02;
        n += (size_t) snprintf(s + n, cap - n, "%s%.6g", i ? ", " : "", g);
    }
    n += (size_t) snprintf(s + n, cap - n, "]}]}\n");
    *len = n;
    return s;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* One compress + decompress of json; seconds. */
static double round_trip(const uint8_t *json, size_t len) {
    uint8_t *art = NULL, *back = NULL;
    size_t art_len = 0, back_len = 0;
    char *err = NULL;
    double t0 = now();
    if (tenpak_compress_json_bundle(json, len, NULL, &art, &art_len, &err) != 0
        || tenpak_decompress_artifact_to_json(art, art_len, &back, &back_len, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    double t = now() - t0;
    tenpak_free_buffer(art, art_len);
    tenpak_free_buffer(back, back_len);
    return t;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BUNDLE.json [ITERATIONS]\n", argv[0]);
        return 2;
    }
    int iterations = argc > 2 ? atoi(argv[2]) : 50;
    const uint8_t empty[] = "{\"tensors\": []}";
    long rss0 = rss_kib();
    double first = round_trip(empty, sizeof empty - 1);
    long rss1 = rss_kib();
    printf("first call (JVM start + empty round trip): %.0f ms; RSS %ld MiB before, %ld MiB after\n", first * 1e3,
           rss0 >> 10, rss1 >> 10);

    enum { EMPTY_CALLS = 5000 };
    double *t = malloc(sizeof(double) * EMPTY_CALLS);
    for (int i = 0; i < EMPTY_CALLS; i++) {
        t[i] = round_trip(empty, sizeof empty - 1);
    }
    qsort(t, EMPTY_CALLS, sizeof t[0], cmp_double);
    printf("empty call (compress + decompress of a bundle with no tensors), %d calls: median %.1f us for the pair, "
           "p90 %.1f us\n", EMPTY_CALLS, t[EMPTY_CALLS / 2] * 1e6, t[EMPTY_CALLS * 9 / 10] * 1e6);

    size_t len = 0;
    char *json = bundle(&len);
    FILE *f = fopen(argv[1], "w");
    fwrite(json, 1, len, f);
    fclose(f);
    double cold = round_trip((const uint8_t *) json, len);
    double *w = malloc(sizeof(double) * (size_t) iterations);
    for (int i = 0; i < iterations; i++) {
        w[i] = round_trip((const uint8_t *) json, len);
    }
    qsort(w, (size_t) iterations, sizeof w[0], cmp_double);
    printf("1 MB JSON bundle (%zu bytes, int8_sym_v1) round trip: first %.0f ms, warm median of %d %.1f ms, best %.1f ms;"
           " RSS now %ld MiB\n", len, cold * 1e3, iterations, w[iterations / 2] * 1e3, w[0] * 1e3, rss_kib() >> 10);
    free(t);
    free(w);
    free(json);
    return 0;
}
