/*
 * tenpak from C: compress a JSON bundle in memory, decode it back, and compress a tensor that lives
 * in a C array straight into an artifact file (no JSON, no copy).
 *
 *   make -C tenpak-c
 *   cc -Itenpak-c/include examples/c/roundtrip.c -Ltenpak-c/target -ltenpak -Wl,-rpath,tenpak-c/target -o roundtrip
 *   ./roundtrip examples/simple_bundle.json
 * From the release tarball: -Iinclude -Llib -Wl,-rpath,lib (the library finds the jar in lib/).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tenpak.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BUNDLE.json\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    static uint8_t json[1 << 20];
    size_t json_len = fread(json, 1, sizeof json, f);
    fclose(f);

    uint8_t *artifact = NULL, *back = NULL;
    size_t artifact_len = 0, back_len = 0;
    char *err = NULL;
    int status = tenpak_compress_json_bundle(json, json_len, "int8_sym_v1", &artifact, &artifact_len, &err);
    if (status != TENPAK_OK) {
        fprintf(stderr, "compress failed (%d): %s\n", status, err);
        tenpak_free_cstring(err);
        return status;
    }
    status = tenpak_decompress_artifact_to_json(artifact, artifact_len, &back, &back_len, &err);
    if (status != TENPAK_OK) {
        fprintf(stderr, "decompress failed (%d): %s\n", status, err);
        tenpak_free_cstring(err);
        return status;
    }
    printf("tenpak %s: %zu bytes of JSON -> %zu-byte artifact -> %zu bytes of JSON:\n%.*s\n", tenpak_version(),
           json_len, artifact_len, back_len, (int) back_len, (const char *) back);
    tenpak_free_buffer(artifact, artifact_len);
    tenpak_free_buffer(back, back_len);

    float weights[2][3] = {{0.5f, -0.25f, 0.125f}, {1.0f, 0.0f, -1.0f}};
    int64_t shape[2] = {2, 3};
    tenpak_tensor t = {.name = "w", .dtype = "F32", .ndim = 2, .shape = shape, .data = weights,
                       .nbytes = sizeof weights};
    status = tenpak_compress_tensors(&t, 1, "roundtrip.tenpak", "raw_v1", NULL, &err);
    if (status != TENPAK_OK) {
        fprintf(stderr, "compress_tensors failed (%d): %s\n", status, err);
        tenpak_free_cstring(err);
        return status;
    }
    printf("wrote roundtrip.tenpak from a C array\n");
    return 0;
}
