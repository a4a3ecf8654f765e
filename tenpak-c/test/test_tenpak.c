/*
 * Tests of libtenpak through its public header only, as a C program would use it. Run by
 * scripts/test-c.sh, which first writes, with the CLI (bin/tenpak), the expected output for each
 * input into WORKDIR:
 *   simple.json                       examples/simple_bundle.json
 *   fixture.safetensors               a hand-built checkpoint: F32 128x64, BF16, F16, I64, a 0-d F32
 *   simple.default.tenpak             tenpak compress --input simple.json (default codec)
 *   {simple,fixture}.CODEC.tenpak     tenpak compress --codec CODEC
 *   simple.CODEC.json, fixture.CODEC.safetensors   tenpak decompress of those
 *   minilm.int8_sym_v1.tenpak, minilm.int8_sym_v1.safetensors   when TENPAK_TEST_MINILM names model.safetensors
 * Usage: test_tenpak WORKDIR CODEC...   (prints TAP; exit status 1 when a check fails)
 * TENPAK_TEST_ITERATIONS sets the calls per thread of the 8-thread test (default 25).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenpak.h"

static int g_checks;
static int g_failures;
static pthread_mutex_t g_report = PTHREAD_MUTEX_INITIALIZER;
static const char *W;

__attribute__((format(printf, 2, 3))) static int check(int ok, const char *fmt, ...) {
    pthread_mutex_lock(&g_report);
    va_list ap;
    va_start(ap, fmt);
    g_checks++;
    if (!ok) {
        g_failures++;
    }
    printf("%s %d - ", ok ? "ok" : "not ok", g_checks);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    pthread_mutex_unlock(&g_report);
    return ok;
}

static char *path(const char *fmt, ...) {
    static __thread char buf[8][4096];
    static __thread int next;
    char *p = buf[next++ % 8];
    int n = snprintf(p, 4096, "%s/", W);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p + n, 4096 - n, fmt, ap);
    va_end(ap);
    return p;
}

/* The whole file (malloc), or NULL. */
static uint8_t *slurp(const char *file, size_t *len) {
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t) n : 1);
    if (b != NULL && fread(b, 1, (size_t) n, f) != (size_t) n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t) n;
    return b;
}

static int same_as_file(const uint8_t *bytes, size_t len, const char *file) {
    size_t n = 0;
    uint8_t *expected = slurp(file, &n);
    int same = expected != NULL && n == len && memcmp(expected, bytes, len) == 0;
    free(expected);
    return same;
}

static int files_equal(const char *a, const char *b) {
    size_t n = 0;
    uint8_t *x = slurp(a, &n);
    int same = x != NULL && same_as_file(x, n, b);
    free(x);
    return same;
}

/* Checks a failed call: its status, that *out_err and tenpak_last_error() agree, and a phrase of the message. */
static void check_error(int status, int expected, char *err, const char *phrase, const char *what) {
    const char *last = tenpak_last_error();
    check(status == expected, "%s: status %d (expected %d)", what, status, expected);
    check(err != NULL && last != NULL && strcmp(err, last) == 0, "%s: out_err and tenpak_last_error agree", what);
    check(err != NULL && strstr(err, phrase) != NULL, "%s: message has \"%s\": %s", what, phrase, err ? err : "(null)");
    tenpak_free_cstring(err);
}

/* ------------------------------------------------------------------------------------------- */

static const char **g_codecs;
static int g_ncodecs;
static int g_iterations = 25;
static pthread_barrier_t g_start;

typedef struct worker {
    int id;
    int failures;
} worker;

/* One thread: all threads make their first call at once (the first starts the JVM), then loop. */
static void *work(void *arg) {
    worker *w = arg;
    size_t json_len = 0;
    uint8_t *json = slurp(path("simple.json"), &json_len);
    pthread_barrier_wait(&g_start);
    for (int i = 0; i < g_iterations; i++) {
        const char *codec = g_codecs[(w->id + i) % g_ncodecs];
        uint8_t *art = NULL;
        size_t art_len = 0;
        char *err = NULL;
        int st = tenpak_compress_json_bundle(json, json_len, codec, &art, &art_len, &err);
        if (st != 0 || !same_as_file(art, art_len, path("simple.%s.tenpak", codec))) {
            w->failures++;
            fprintf(stderr, "thread %d: compress %s: %d %s\n", w->id, codec, st, err ? err : "");
        }
        tenpak_free_cstring(err);
        uint8_t *back = NULL;
        size_t back_len = 0;
        st = tenpak_decompress_artifact_to_json(art, art_len, &back, &back_len, &err);
        if (st != 0 || !same_as_file(back, back_len, path("simple.%s.json", codec))) {
            w->failures++;
            fprintf(stderr, "thread %d: decompress %s: %d %s\n", w->id, codec, st, err ? err : "");
        }
        tenpak_free_cstring(err);
        tenpak_free_buffer(art, art_len);
        tenpak_free_buffer(back, back_len);
        /* errors are per thread: each thread sees its own codec name in its own last error */
        char bad[64];
        snprintf(bad, sizeof bad, "no_such_codec_%d_%d", w->id, i);
        st = tenpak_compress_json_bundle(json, json_len, bad, &art, &art_len, NULL);
        const char *last = tenpak_last_error();
        if (st != TENPAK_ERR_UNSUPPORTED || last == NULL || strstr(last, bad) == NULL) {
            w->failures++;
            fprintf(stderr, "thread %d: bad codec gave %d %s\n", w->id, st, last ? last : "(null)");
        }
    }
    free(json);
    return NULL;
}

static void test_threads(void) {
    enum { THREADS = 8 };
    pthread_t t[THREADS];
    worker w[THREADS];
    pthread_barrier_init(&g_start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.id = i};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    pthread_barrier_destroy(&g_start);
    check(failures == 0, "8 threads x %d iterations (the first call of each at once, starting the JVM): "
          "artifacts and JSON equal the CLI's, errors stay on their thread (%d failures)", g_iterations, failures);
}

/* ------------------------------------------------------------------------------------------- */

static void test_json(const char *codec) {
    size_t json_len = 0;
    uint8_t *json = slurp(path("simple.json"), &json_len);
    uint8_t *art = NULL, *back = NULL;
    size_t art_len = 0, back_len = 0;
    char *err = (char *) "unset";
    int st = tenpak_compress_json_bundle(json, json_len, codec, &art, &art_len, &err);
    check(st == 0 && err == NULL, "compress_json_bundle %s: status 0, out_err NULL (%s)", codec ? codec : "NULL",
          err ? err : "");
    const char *expected = codec ? path("simple.%s.tenpak", codec) : path("simple.default.tenpak");
    check(same_as_file(art, art_len, expected), "compress_json_bundle %s: %zu bytes, equal to the CLI's %s",
          codec ? codec : "NULL", art_len, expected);
    check(tenpak_last_error() == NULL, "tenpak_last_error is NULL after a success");
    st = tenpak_decompress_artifact_to_json(art, art_len, &back, &back_len, &err);
    check(st == 0 && same_as_file(back, back_len, path("simple.%s.json", codec ? codec : "int8_sym_v1")),
          "decompress_artifact_to_json %s: equal to the CLI's JSON", codec ? codec : "NULL");
    tenpak_free_buffer(art, art_len);
    tenpak_free_buffer(back, back_len);
    free(json);
}

static void test_files(const char *codec) {
    char *err = NULL;
    int st = tenpak_compress_file(path("simple.json"), path("c.simple.%s.tenpak", codec), codec, NULL, &err);
    check(st == 0 && files_equal(path("c.simple.%s.tenpak", codec), path("simple.%s.tenpak", codec)),
          "compress_file JSON %s: equal to the CLI's (%s)", codec, err ? err : "");
    tenpak_free_cstring(err);
    st = tenpak_compress_file(path("fixture.safetensors"), path("c.fixture.%s.tenpak", codec), codec,
                              "threads=2;format=safetensors", &err);
    check(st == 0 && files_equal(path("c.fixture.%s.tenpak", codec), path("fixture.%s.tenpak", codec)),
          "compress_file safetensors %s: equal to the CLI's (%s)", codec, err ? err : "");
    tenpak_free_cstring(err);
    st = tenpak_decompress_file(path("fixture.%s.tenpak", codec), path("c.fixture.%s.safetensors", codec), NULL, &err);
    check(st == 0 && files_equal(path("c.fixture.%s.safetensors", codec), path("fixture.%s.safetensors", codec)),
          "decompress_file to safetensors %s: equal to the CLI's (%s)", codec, err ? err : "");
    tenpak_free_cstring(err);
    st = tenpak_decompress_file(path("simple.%s.tenpak", codec), path("c.simple.%s.out", codec), "format=json", &err);
    check(st == 0 && files_equal(path("c.simple.%s.out", codec), path("simple.%s.json", codec)),
          "decompress_file format=json %s: equal to the CLI's (%s)", codec, err ? err : "");
    tenpak_free_cstring(err);
}

static void test_tensors(const char *codec) {
    char *err = NULL;
    tenpak_tensor *raw = NULL;
    size_t n = 0;
    int st = tenpak_decompress_tensors(path("fixture.raw_v1.tenpak"), &raw, &n, &err);
    check(st == 0 && n == 5, "decompress_tensors: 5 tensors (%s)", err ? err : "");
    int aligned = 1;
    for (size_t i = 0; i < n; i++) {
        aligned &= ((uintptr_t) raw[i].data % 64) == 0;
    }
    check(aligned, "decompress_tensors: every data pointer is 64-byte aligned");
    check(n == 5 && strcmp(raw[0].name, "encoder.weight") == 0 && strcmp(raw[0].dtype, "F32") == 0 && raw[0].ndim == 2
              && raw[0].shape[0] == 128 && raw[0].shape[1] == 64 && raw[0].nbytes == 128 * 64 * 4 && raw[4].ndim == 0,
          "decompress_tensors: names, dtypes and shapes as in the safetensors file");
    /* tensors by pointer (read in place) give the CLI's artifact for the same checkpoint */
    st = tenpak_compress_tensors(raw, n, path("t.fixture.%s.tenpak", codec), codec, NULL, &err);
    check(st == 0 && files_equal(path("t.fixture.%s.tenpak", codec), path("fixture.%s.tenpak", codec)),
          "compress_tensors %s: equal to the CLI's artifact of the safetensors file (%s)", codec, err ? err : "");
    tenpak_free_cstring(err);
    tenpak_free_tensors(raw, n);

    /* decode into buffers of our own, in reverse order, and compare with the CLI's decompressed file */
    tenpak_tensor *list = NULL;
    st = tenpak_list_tensors(path("fixture.%s.tenpak", codec), &list, &n, &err);
    check(st == 0 && n == 5 && list[0].data == NULL, "list_tensors %s: 5 tensors, data NULL", codec);
    tenpak_tensor mine[5];
    for (size_t i = 0; i < n && i < 5; i++) {
        mine[i] = list[n - 1 - i];
        mine[i].data = malloc(mine[i].nbytes ? mine[i].nbytes : 1);
    }
    st = tenpak_decompress_tensors_into(path("fixture.%s.tenpak", codec), mine, n, &err);
    check(st == 0, "decompress_tensors_into %s: caller buffers, reverse order (%s)", codec, err ? err : "");
    tenpak_free_cstring(err);
    tenpak_tensor *lib = NULL;
    size_t lib_n = 0;
    st = tenpak_decompress_tensors(path("fixture.%s.tenpak", codec), &lib, &lib_n, &err);
    int same = st == 0 && lib_n == n;
    for (size_t i = 0; same && i < n; i++) {
        same = memcmp(lib[n - 1 - i].data, mine[i].data, mine[i].nbytes) == 0;
    }
    check(same, "decompress_tensors_into and decompress_tensors %s decode the same bytes", codec);
    /* written back in index order (raw_v1) and decompressed, they must give the CLI's decompressed file */
    tenpak_tensor ordered[5];
    for (size_t i = 0; i < n && i < 5; i++) {
        ordered[i] = mine[n - 1 - i];
    }
    st = tenpak_compress_tensors(ordered, n, path("t.decoded.%s.tenpak", codec), "raw_v1", NULL, &err);
    st |= tenpak_decompress_file(path("t.decoded.%s.tenpak", codec), path("t.decoded.%s.safetensors", codec), NULL, &err);
    check(st == 0 && files_equal(path("t.decoded.%s.safetensors", codec), path("fixture.%s.safetensors", codec)),
          "decompress_tensors_into %s: the decoded values equal the CLI's decompressed file", codec);
    tenpak_free_cstring(err);

    /* wrong nbytes, an unknown name, a dtype that differs */
    mine[0].nbytes -= 1;
    st = tenpak_decompress_tensors_into(path("fixture.%s.tenpak", codec), mine, 1, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "its buffer has nbytes", "decompress_tensors_into with a short buffer");
    mine[0].nbytes += 1;
    tenpak_tensor ghost = mine[0];
    ghost.name = "no.such.tensor";
    st = tenpak_decompress_tensors_into(path("fixture.%s.tenpak", codec), &ghost, 1, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "no tensor named 'no.such.tensor'", "decompress_tensors_into an unknown name");
    ghost = mine[0];
    ghost.dtype = "F64";
    st = tenpak_decompress_tensors_into(path("fixture.%s.tenpak", codec), &ghost, 1, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "the caller asked for F64", "decompress_tensors_into another dtype");
    for (size_t i = 0; i < n && i < 5; i++) {
        free(mine[i].data);
    }
    tenpak_free_tensors(lib, lib_n);
    tenpak_free_tensors(list, n);
}

static void test_errors(void) {
    char *err = NULL;
    uint8_t *out = (uint8_t *) 1;
    size_t out_len = 7;
    const uint8_t bad_json[] = "{\"tensors\": [";
    int st = tenpak_compress_json_bundle(bad_json, sizeof bad_json - 1, NULL, &out, &out_len, &err);
    check(out == NULL && out_len == 0, "a failed call sets *out_artifact to NULL and its length to 0");
    check_error(st, TENPAK_ERR_INPUT, err, "malformed JSON", "bad JSON");

    size_t json_len = 0, art_len = 0;
    uint8_t *json = slurp(path("simple.json"), &json_len);
    uint8_t *art = slurp(path("simple.int8_sym_v1.tenpak"), &art_len);
    st = tenpak_decompress_artifact_to_json(art, art_len / 2, &out, &out_len, &err);
    check_error(st, TENPAK_ERR_CORRUPT, err, "corrupt artifact", "truncated artifact");
    art[art_len - 40] ^= 0x5a; /* the index or trailer of a full-length artifact */
    st = tenpak_decompress_artifact_to_json(art, art_len, &out, &out_len, &err);
    check_error(st, TENPAK_ERR_CORRUPT, err, "corrupt", "artifact with a flipped byte");
    st = tenpak_compress_json_bundle(json, json_len, "nope_v9", &out, &out_len, &err);
    check_error(st, TENPAK_ERR_UNSUPPORTED, err, "unknown codec 'nope_v9'", "unknown codec");

    st = tenpak_compress_json_bundle(json, json_len, NULL, NULL, &out_len, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "NULL out_artifact");
    st = tenpak_compress_json_bundle(NULL, 5, NULL, &out, &out_len, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "json is NULL", "NULL json with a length");
    st = tenpak_compress_json_bundle(NULL, 0, NULL, &out, &out_len, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "a bundle is a JSON object", "NULL json of length 0 (an empty bundle text)");
    st = tenpak_decompress_artifact_to_json(NULL, 0, &out, &out_len, &err);
    check_error(st, TENPAK_ERR_CORRUPT, err, "corrupt artifact", "NULL artifact of length 0");
    st = tenpak_decompress_artifact_to_json(art, art_len, &out, NULL, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "NULL out_json_len");
    st = tenpak_compress_json_bundle(json, json_len, "nope_v9", &out, &out_len, NULL);
    check(st == TENPAK_ERR_UNSUPPORTED && tenpak_last_error() != NULL
              && strstr(tenpak_last_error(), "nope_v9") != NULL,
          "out_err NULL: the status is returned and tenpak_last_error has the message");
    st = tenpak_compress_json_bundle(json, json_len, "", &out, &out_len, NULL);
    check(st == 0 && tenpak_last_error() == NULL, "codec \"\" is the default; a success clears the last error");
    tenpak_free_buffer(out, out_len);

    st = tenpak_compress_file(NULL, path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "compress_file NULL input");
    st = tenpak_compress_file(path("missing.json"), path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "missing.json", "compress_file of a missing file");
    st = tenpak_compress_file(path("simple.json"), path("x.tenpak"), NULL, "thread=2", &err);
    check_error(st, TENPAK_ERR_USAGE, err, "unknown key 'thread'", "compress_file with an unknown option");
    st = tenpak_decompress_file(path("simple.json"), path("x.json"), NULL, &err);
    check_error(st, TENPAK_ERR_CORRUPT, err, "corrupt artifact", "decompress_file of a JSON file");
    st = tenpak_decompress_file(path("simple.int8_sym_v1.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "decompress_file NULL output");

    tenpak_tensor *list = NULL;
    size_t n = 0;
    st = tenpak_list_tensors(NULL, &list, &n, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "list_tensors NULL path");
    st = tenpak_list_tensors(path("simple.int8_sym_v1.tenpak"), NULL, &n, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "list_tensors NULL out_tensors");
    st = tenpak_list_tensors(path("missing.tenpak"), &list, &n, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "missing.tenpak", "list_tensors of a missing file");

    float values[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    tenpak_tensor t = {.name = "w", .dtype = "F12", .ndim = 2, .shape = shape, .data = values, .nbytes = sizeof values};
    st = tenpak_compress_tensors(&t, 1, path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "unknown dtype 'F12'", "compress_tensors with an unknown dtype");
    t.dtype = "F32";
    t.nbytes = 20;
    st = tenpak_compress_tensors(&t, 1, path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "needs 24 bytes", "compress_tensors with nbytes that disagree with the shape");
    t.nbytes = sizeof values;
    t.data = NULL;
    st = tenpak_compress_tensors(&t, 1, path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "data is NULL", "compress_tensors with NULL data");
    t.data = values;
    t.shape = NULL;
    st = tenpak_compress_tensors(&t, 1, path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_INPUT, err, "shape is NULL", "compress_tensors with a NULL shape");
    t.shape = shape;
    st = tenpak_compress_tensors(NULL, 2, path("x.tenpak"), NULL, NULL, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "must not be NULL", "compress_tensors NULL array");
    st = tenpak_compress_tensors(&t, 1, path("x.tenpak"), "int4_sym_v1", NULL, &err);
    check(st == 0, "compress_tensors of a 2x3 F32 from a C array: status 0 (%s)", err ? err : "");

    tenpak_options o = {.struct_size = sizeof o, .java_home = "/nowhere"};
    st = tenpak_init(&o, &err);
    check_error(st, TENPAK_ERR_USAGE, err, "already running", "tenpak_init with options after the first call");
    st = tenpak_init(NULL, &err);
    check(st == 0 && err == NULL, "tenpak_init(NULL) after the first call: status 0");

    tenpak_free_buffer(NULL, 0);
    tenpak_free_cstring(NULL);
    tenpak_free_tensors(NULL, 0);
    check(1, "the free functions accept NULL");
    free(json);
    free(art);
}

static void test_minilm(void) {
    char *err = NULL;
    int st = tenpak_compress_file(getenv("TENPAK_TEST_MINILM"), path("c.minilm.tenpak"), "int8_sym_v1", NULL, &err);
    check(st == 0 && files_equal(path("c.minilm.tenpak"), path("minilm.int8_sym_v1.tenpak")),
          "MiniLM model.safetensors: compress_file int8_sym_v1 equals the CLI's artifact (%s)", err ? err : "");
    tenpak_free_cstring(err);
    tenpak_tensor *t = NULL;
    size_t n = 0;
    st = tenpak_decompress_tensors(path("minilm.int8_sym_v1.tenpak"), &t, &n, &err);
    size_t params = 0;
    for (size_t i = 0; i < n; i++) {
        params += t[i].nbytes / 4;
    }
    check(st == 0 && n > 100 && params > 22000000, "MiniLM: decompress_tensors gives %zu tensors, %zu parameters", n,
          params);
    st = tenpak_compress_tensors(t, n, path("t.minilm.tenpak"), "raw_v1", NULL, &err);
    st |= tenpak_decompress_file(path("t.minilm.tenpak"), path("t.minilm.safetensors"), NULL, &err);
    tenpak_free_tensors(t, n);
    size_t a_len = 0, b_len = 0;
    uint8_t *a = slurp(path("t.minilm.safetensors"), &a_len);
    uint8_t *b = slurp(path("minilm.int8_sym_v1.safetensors"), &b_len);
    /* the CLI's file carries the checkpoint's __metadata__, the tensors by pointer none: compare the data */
    check(st == 0 && a != NULL && b != NULL && a_len > 80000000 && b_len >= a_len
              && memcmp(a + a_len - 80000000, b + b_len - 80000000, 80000000) == 0,
          "MiniLM: tensors decoded into memory equal the CLI's decompressed file (last 80 MB of data compared)");
    free(a);
    free(b);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s WORKDIR CODEC...\n", argv[0]);
        return 2;
    }
    W = argv[1];
    g_codecs = (const char **) argv + 2;
    g_ncodecs = argc - 2;
    if (getenv("TENPAK_TEST_ITERATIONS")) {
        g_iterations = atoi(getenv("TENPAK_TEST_ITERATIONS"));
    }
    check(strlen(tenpak_version()) > 0 && tenpak_last_error() == NULL, "tenpak_version() is \"%s\"", tenpak_version());
    test_threads();
    test_json(NULL);
    for (int i = 0; i < g_ncodecs; i++) {
        test_json(g_codecs[i]);
        test_files(g_codecs[i]);
        test_tensors(g_codecs[i]);
    }
    test_errors();
    if (getenv("TENPAK_TEST_MINILM") && *getenv("TENPAK_TEST_MINILM")) {
        test_minilm();
    }
    printf("1..%d\n", g_checks);
    if (g_failures) {
        printf("# %d of %d checks failed\n", g_failures, g_checks);
    }
    return g_failures ? 1 : 0;
}
