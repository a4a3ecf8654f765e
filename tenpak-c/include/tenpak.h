/*
 * tenpak.h: the C ABI of tenpak (libtenpak.so / libtenpak.dylib).
 *
 * The library hosts the Java engine in-process through the JNI invocation API. The first call that
 * needs the engine loads libjvm (dlopen; the library does not link against it), creates one JVM
 * for the process and keeps it until the process exits; later calls reuse it. A process that
 * already hosts a JVM (started by JPype, by a Java launcher, ...) has that one reused, and the
 * engine jar is loaded into it if its class path lacks it.
 *
 * Which Java, in order: tenpak_init's java_home; TENPAK_JAVA_HOME; JAVA_HOME when it is Java 25 or
 * newer; the `java` on PATH; the platform's JVM folders (/usr/lib/jvm/NAME,
 * /Library/Java/JavaVirtualMachines/NAME/Contents/Home). Java 25 or newer is required.
 * Which engine jar (tenpak-cli-<version>-all.jar), in order: tenpak_init's engine_jar; the folder
 * that holds this library (the release tarball's lib/); TENPAK_JAR; in a source checkout, where the
 * build puts it: tenpak-cli/target/ two folders above this library (tenpak-c/target/libtenpak.so).
 * TENPAK_JVM_HEAP sets -Xmx (e.g. "8g"); TENPAK_JVM_ARGS adds JVM options (split at white space).
 *
 * Threads: every function may be called from any thread, concurrently. A thread that is not
 * attached to the JVM is attached (as a daemon thread) on its first call and stays attached, so
 * later calls cost no attach; when the thread exits, a thread-specific-data destructor detaches it.
 * Threads that were already attached by someone else are left as they are. Give calling threads
 * stacks of 1 MiB or more: the JVM keeps about 100 KiB of guard and shadow pages at their end.
 *
 * Signals: the JVM is started with -Xrs, so it leaves SIGINT, SIGTERM, SIGHUP and SIGQUIT to the
 * host (Ctrl-C in a host program does not run Java shutdown hooks or exit from Java). It still
 * installs handlers for SIGSEGV, SIGBUS, SIGFPE and SIGILL, which it uses for its own purposes
 * (null checks, safepoints): a host must not replace those after its first tenpak call; a host
 * that needs its own (a crash reporter, Python's faulthandler) preloads the JDK's
 * lib/libjsig.so, which chains the two.
 *
 * Status: every int-returning function returns TENPAK_OK (0) or one of the TENPAK_ERR_* numbers,
 * which are the exit codes of the `tenpak` command line for the same error. On failure *out_err
 * (when out_err is not NULL) receives a one-line UTF-8 message that the caller frees with
 * tenpak_free_cstring; on success *out_err is set to NULL. tenpak_last_error() gives the same
 * message to callers that pass NULL. No input, however malformed, and no NULL pointer aborts the
 * process: they are reported as a status.
 *
 * Memory: buffers and strings returned by tenpak are allocated by tenpak and must be released only
 * with the matching tenpak_free_* function (never free(), never across libraries).
 */
#ifndef TENPAK_H
#define TENPAK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TENPAK_API __attribute__((visibility("default")))
#else
#define TENPAK_API
#endif

/* Statuses: the exit codes of the tenpak CLI (README, "Exit codes"). */
#define TENPAK_OK 0
/** A bug in tenpak, or the JVM ran out of memory: the message says which. */
#define TENPAK_ERR_INTERNAL 1
/** Bad usage: a NULL pointer where one is required, an unknown options key, tenpak_init too late. */
#define TENPAK_ERR_USAGE 2
/** Invalid input: malformed JSON bundle, shape mismatch, duplicate name, missing file. */
#define TENPAK_ERR_INPUT 3
/** Corrupt artifact: bad magic, truncated, checksum mismatch. */
#define TENPAK_ERR_CORRUPT 4
/** Unsupported artifact version, or an unknown codec. */
#define TENPAK_ERR_UNSUPPORTED 5
/** An I/O error from the operating system (disk full, permission). */
#define TENPAK_ERR_IO 6
/** A quality budget was not met (not returned by the functions of this version). */
#define TENPAK_ERR_BUDGET 7
/** No Java 25+ runtime or no engine jar was found, or the JVM could not be started. */
#define TENPAK_ERR_MISSING_DEPENDENCY 8

/** Options for tenpak_init. Zero-initialize, set struct_size, then what you need. */
typedef struct tenpak_options {
    /** sizeof(tenpak_options), so later versions can add fields. */
    size_t struct_size;
    /** A Java 25+ home folder (holds bin/, lib/ and release); NULL: search (see the top). */
    const char *java_home;
    /** The engine jar, tenpak-cli-<version>-all.jar; NULL: search (see the top). */
    const char *engine_jar;
    /** Extra JVM options, e.g. "-Xmx8g"; jvm_args_count of them. Added after TENPAK_JVM_ARGS. */
    const char *const *jvm_args;
    size_t jvm_args_count;
} tenpak_options;

/**
 * Starts the engine now with these options instead of on the first call. NULL options: search as
 * the first call would. Returns TENPAK_ERR_USAGE when the engine is already running and options is
 * not NULL (options apply only before the first call); tenpak_init(NULL, ...) then returns TENPAK_OK.
 * A failed search (no Java, no jar) may be retried; a JVM that failed to start may not (a process
 * can create only one).
 */
TENPAK_API int tenpak_init(const tenpak_options *options, char **out_err);

/**
 * Compresses a JSON bundle ({"tensors": [{"name", "shape", "data"}, ...]}) held in memory.
 *
 * @param json             json_len bytes of UTF-8 JSON (need not be NUL-terminated)
 * @param codec            a codec name such as "int8_sym_v1"; NULL or "": the default (int8_sym_v1)
 * @param out_artifact     receives the artifact; free it with tenpak_free_buffer
 * @param out_artifact_len receives its length in bytes
 * The artifact's bytes equal those of `tenpak compress --input FILE --codec CODEC` on the same
 * JSON. JSON bundles are limited to 2 GiB; use tenpak_compress_file beyond that.
 */
TENPAK_API int tenpak_compress_json_bundle(const uint8_t *json, size_t json_len, const char *codec,
                                           uint8_t **out_artifact, size_t *out_artifact_len, char **out_err);

/**
 * Decodes an artifact held in memory into a JSON bundle (UTF-8, not NUL-terminated). Free
 * *out_json with tenpak_free_buffer. Its bytes equal those of `tenpak decompress` to a .json file.
 */
TENPAK_API int tenpak_decompress_artifact_to_json(const uint8_t *artifact, size_t artifact_len, uint8_t **out_json,
                                                  size_t *out_json_len, char **out_err);

/** Frees a buffer returned by tenpak (artifact or JSON); len is its length. NULL is a no-op. */
TENPAK_API void tenpak_free_buffer(uint8_t *ptr, size_t len);

/** Frees an error string returned by tenpak. NULL is a no-op. */
TENPAK_API void tenpak_free_cstring(char *ptr);

/**
 * File to file, as `tenpak compress`: input_path is a JSON bundle, a .safetensors file or a Hugging
 * Face folder; output_path is written atomically. codec NULL or "": the default.
 *
 * options: NULL, or "key=value" entries separated by ';' (or by newlines, when the string has any),
 * keys as the CLI's flags: format=auto|json|safetensors|hf, threads=N, keep-raw=REGEX (repeatable),
 * min-elements=N, sync=true, plan=PLAN.json. An unknown key is TENPAK_ERR_USAGE.
 */
TENPAK_API int tenpak_compress_file(const char *input_path, const char *output_path, const char *codec,
                                    const char *options, char **out_err);

/**
 * File to file, as `tenpak decompress`: the output is a JSON bundle, a safetensors file or a Hugging
 * Face folder, chosen from its name unless options say format=json|safetensors|hf; also threads=N,
 * sync=true.
 */
TENPAK_API int tenpak_decompress_file(const char *artifact_path, const char *output_path, const char *options,
                                      char **out_err);

/**
 * A tensor in memory: contiguous, little-endian, row-major, in its own dtype. 48 bytes on LP64.
 * dtype is a safetensors name: "F32", "F16", "BF16", "F64", "I8", "U8", "I16", "U16", "I32", "U32",
 * "I64", "U64", "BOOL", "F8_E4M3", "F8_E5M2".
 */
typedef struct tenpak_tensor {
    const char *name;     /* UTF-8, NUL-terminated, unique */
    const char *dtype;    /* safetensors dtype name */
    int32_t ndim;         /* 0 (a scalar) to 32 */
    const int64_t *shape; /* ndim dimensions */
    void *data;           /* nbytes bytes */
    size_t nbytes;        /* product(shape) * element size */
} tenpak_tensor;

/**
 * Compresses tensors read in place (no copy: the engine reads each data pointer directly) into an
 * artifact file at output_path. The caller keeps every pointer valid and the data unchanged for the
 * call. Options as tenpak_compress_file less format and plan.
 */
TENPAK_API int tenpak_compress_tensors(const tenpak_tensor *tensors, size_t count, const char *output_path,
                                       const char *codec, const char *options, char **out_err);

/**
 * Lists an artifact's tensors in index order: name, dtype, ndim, shape and nbytes set, data NULL.
 * The array and everything it points to is one allocation: free it with tenpak_free_tensors. To
 * decode into buffers of your own, set each data pointer and pass the array to
 * tenpak_decompress_tensors_into (tenpak_free_tensors never frees data you set).
 */
TENPAK_API int tenpak_list_tensors(const char *artifact_path, tenpak_tensor **out_tensors, size_t *out_count,
                                   char **out_err);

/**
 * Decodes the named tensors straight into caller-provided buffers (no intermediate copy). For each
 * element: name selects the tensor; data receives exactly nbytes bytes, which must equal the
 * tensor's size; dtype and shape, when not NULL, must match the artifact's. Any subset, any order.
 * Tensors are decoded in parallel.
 */
TENPAK_API int tenpak_decompress_tensors_into(const char *artifact_path, const tenpak_tensor *tensors,
                                              size_t count, char **out_err);

/**
 * Decodes every tensor into memory tenpak allocates (each data 64-byte aligned), in index order.
 * Free the whole result, data included, with tenpak_free_tensors.
 */
TENPAK_API int tenpak_decompress_tensors(const char *artifact_path, tenpak_tensor **out_tensors, size_t *out_count,
                                         char **out_err);

/** Frees an array returned by tenpak_list_tensors or tenpak_decompress_tensors. NULL is a no-op. */
TENPAK_API void tenpak_free_tensors(tenpak_tensor *tensors, size_t count);

/** This library's version, e.g. "0.1.0-SNAPSHOT". Static storage; does not start the JVM. */
TENPAK_API const char *tenpak_version(void);

/**
 * The message of the latest failed call on this thread, or NULL when the latest call succeeded.
 * Owned by tenpak; valid until this thread's next tenpak call.
 */
TENPAK_API const char *tenpak_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* TENPAK_H */
