/*
 * libtenpak: the C ABI of tenpak over the Java engine, hosted in-process through the JNI
 * invocation API. The public contract (statuses, memory, threads, signals, how Java and the jar are
 * found) is documented in include/tenpak.h; this file explains only how it is kept.
 *
 * All engine work is done by the static methods of dev.tenpak.internal.bridge.NativeBridge. C hands
 * them raw addresses (strings, buffers, tenpak_tensor arrays), which Java reads in place through
 * MemorySegment.ofAddress(...).reinterpret(...), and gets back byte[] / Object[] results, copied
 * once into memory allocated here with malloc so the caller frees them through this library.
 */
#define _GNU_SOURCE
#include "tenpak.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <jni.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <link.h>
#endif
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

/* Messages and paths go through bounded snprintf; a message cut short at 4 KiB is acceptable. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#ifndef TENPAK_VERSION
#define TENPAK_VERSION "unknown"
#endif

#define MIN_JAVA 25
#define BRIDGE_CLASS "dev/tenpak/internal/bridge/NativeBridge"
#define JAR_GLOB "tenpak-cli-*-all.jar"
#ifdef JNI_VERSION_21
#define TENPAK_JNI_VERSION JNI_VERSION_21
#else
#define TENPAK_JNI_VERSION JNI_VERSION_10
#endif

/* NativeBridge reads tenpak_tensor at fixed LP64 offsets; this is the check that they hold. */
_Static_assert(sizeof(void *) == 8, "libtenpak supports 64-bit platforms only");
_Static_assert(offsetof(tenpak_tensor, name) == 0, "tenpak_tensor.name");
_Static_assert(offsetof(tenpak_tensor, dtype) == 8, "tenpak_tensor.dtype");
_Static_assert(offsetof(tenpak_tensor, ndim) == 16, "tenpak_tensor.ndim");
_Static_assert(offsetof(tenpak_tensor, shape) == 24, "tenpak_tensor.shape");
_Static_assert(offsetof(tenpak_tensor, data) == 32, "tenpak_tensor.data");
_Static_assert(offsetof(tenpak_tensor, nbytes) == 40, "tenpak_tensor.nbytes");
_Static_assert(sizeof(tenpak_tensor) == 48, "tenpak_tensor size");

/* ---------------------------------------------------------------------------------------------
 * Per-thread state: the last error, and whether this library attached the thread to the JVM. It
 * lives in pthread-specific data so that its destructor can detach the thread when it exits
 * (HotSpot supports DetachCurrentThread from such a destructor: it restores its own thread pointer
 * for exactly this case) and free the message.
 */
typedef struct thread_state {
    char *last_error;
    int attached;
} thread_state;

static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static JavaVM *g_vm;   /* written once under g_lock, published by g_ready */
static int g_ready;    /* read with acquire, written with release */

static void thread_exit(void *p) {
    thread_state *ts = p;
    if (ts->attached && g_vm != NULL) {
        (*g_vm)->DetachCurrentThread(g_vm);
    }
    free(ts->last_error);
    free(ts);
}

static void make_key(void) {
    pthread_key_create(&g_key, thread_exit);
}

/* This thread's state, created on first use; NULL only when out of memory. */
static thread_state *state(void) {
    pthread_once(&g_key_once, make_key);
    thread_state *ts = pthread_getspecific(g_key);
    if (ts == NULL) {
        ts = calloc(1, sizeof *ts);
        if (ts != NULL && pthread_setspecific(g_key, ts) != 0) {
            free(ts);
            ts = NULL;
        }
    }
    return ts;
}

/* Records msg (taking ownership; NULL when out of memory) as the call's error and returns status. */
static int fail_owned(int status, char **out_err, char *msg) {
    thread_state *ts = state();
    if (out_err != NULL) {
        *out_err = msg == NULL ? NULL : strdup(msg);
    }
    if (ts != NULL) {
        free(ts->last_error);
        ts->last_error = msg;
    } else {
        free(msg);
    }
    return status;
}

__attribute__((format(printf, 3, 4))) static int fail(int status, char **out_err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    return fail_owned(status, out_err, msg);
}

/* Every entry point starts here: clears *out_err and this thread's last error. */
static void begin(char **out_err) {
    if (out_err != NULL) {
        *out_err = NULL;
    }
    thread_state *ts = state();
    if (ts != NULL && ts->last_error != NULL) {
        free(ts->last_error);
        ts->last_error = NULL;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Finding Java: a home folder whose `release` file says JAVA_VERSION >= 25 and that holds libjvm.
 */
typedef struct java_runtime {
    char home[PATH_MAX];
    char libjvm[PATH_MAX];
    int major;
    int has_vector; /* the runtime ships jdk.incubator.vector (its MODULES line names it) */
} java_runtime;

static int java_major(const char *version) {
    int first = atoi(version);
    if (first == 1) { /* "1.8.0_292" is Java 8 */
        const char *dot = strchr(version, '.');
        return dot ? atoi(dot + 1) : 1;
    }
    return first;
}

/* Fills rt from home; 0 when usable, else -1 with the reason in why. */
static int inspect_home(const char *home, java_runtime *rt, char *why, size_t why_len) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/release", home);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(why, why_len, "%s: no 'release' file, so not a Java home folder", home);
        return -1;
    }
    char line[8192];
    char version[64] = "";
    rt->has_vector = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "JAVA_VERSION=", 13) == 0) {
            const char *v = line + 13 + (line[13] == '"');
            size_t n = strcspn(v, "\"\r\n");
            if (n >= sizeof version) {
                n = sizeof version - 1;
            }
            memcpy(version, v, n);
            version[n] = '\0';
        } else if (strncmp(line, "MODULES=", 8) == 0) {
            rt->has_vector = strstr(line, "jdk.incubator.vector") != NULL;
        }
    }
    fclose(f);
    rt->major = java_major(version);
    if (rt->major < MIN_JAVA) {
        snprintf(why, why_len, "%s: Java %s; tenpak needs Java %d or newer", home, version[0] ? version : "(unknown)",
                 MIN_JAVA);
        return -1;
    }
    static const char *const libs[] = {"lib/server/libjvm.so", "lib/server/libjvm.dylib", "lib/client/libjvm.so"};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", home, libs[i]);
        if (access(path, R_OK) == 0) {
            snprintf(rt->home, sizeof rt->home, "%s", home);
            snprintf(rt->libjvm, sizeof rt->libjvm, "%s", path);
            return 0;
        }
    }
    snprintf(why, why_len, "%s: no lib/server/libjvm in this Java runtime", home);
    return -1;
}

/* The home of the `java` found on PATH (its real path, two folders up), or -1. */
static int java_on_path(char *home, size_t home_len) {
    const char *path = getenv("PATH");
    if (path == NULL) {
        return -1;
    }
    while (*path) {
        size_t n = strcspn(path, ":");
        char candidate[PATH_MAX];
        char real[PATH_MAX];
        if (n > 0 && n < PATH_MAX - 6) {
            snprintf(candidate, sizeof candidate, "%.*s/java", (int) n, path);
            if (access(candidate, X_OK) == 0 && realpath(candidate, real) != NULL) {
                char *slash = strrchr(real, '/');
                if (slash) *slash = '\0';  /* .../bin */
                slash = strrchr(real, '/');
                if (slash) *slash = '\0';  /* the home */
                snprintf(home, home_len, "%s", real);
                return 0;
            }
        }
        path += n + (path[n] == ':');
    }
    return -1;
}

/* Appends "; prefix reason" to tried (bounded). */
static void note(char *tried, size_t len, const char *prefix, const char *reason) {
    size_t used = strlen(tried);
    snprintf(tried + used, len - used, "%s%s%s", used ? "; " : "", prefix, reason);
}

static int find_java(const tenpak_options *opt, java_runtime *rt, char *why, size_t why_len) {
    char reason[PATH_MAX + 128];
    if (opt != NULL && opt->java_home != NULL) {
        if (inspect_home(opt->java_home, rt, reason, sizeof reason) == 0) return 0;
        snprintf(why, why_len, "tenpak_options.java_home=%s", reason);
        return -1;
    }
    const char *env = getenv("TENPAK_JAVA_HOME");
    if (env != NULL && *env) {
        if (inspect_home(env, rt, reason, sizeof reason) == 0) return 0;
        snprintf(why, why_len, "TENPAK_JAVA_HOME=%s", reason);
        return -1;
    }
    char tried[4096] = "";
    env = getenv("JAVA_HOME");
    if (env != NULL && *env) {
        if (inspect_home(env, rt, reason, sizeof reason) == 0) return 0;
        note(tried, sizeof tried, "JAVA_HOME=", reason);
    } else {
        note(tried, sizeof tried, "JAVA_HOME is not set", "");
    }
    char home[PATH_MAX];
    if (java_on_path(home, sizeof home) == 0) {
        if (inspect_home(home, rt, reason, sizeof reason) == 0) return 0;
        note(tried, sizeof tried, "java on PATH: ", reason);
    } else {
        note(tried, sizeof tried, "no java on PATH", "");
    }
    static const char *const folders[] = {"/usr/lib/jvm/*", "/Library/Java/JavaVirtualMachines/*/Contents/Home"};
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        glob_t g;
        if (glob(folders[i], GLOB_ONLYDIR, NULL, &g) == 0) {
            for (size_t j = 0; j < g.gl_pathc; j++) {
                if (inspect_home(g.gl_pathv[j], rt, reason, sizeof reason) == 0) {
                    globfree(&g);
                    return 0;
                }
            }
            globfree(&g);
        }
    }
    note(tried, sizeof tried, "no Java 25+ under /usr/lib/jvm or /Library/Java/JavaVirtualMachines", "");
    snprintf(why, why_len,
             "no Java %d+ runtime found (%s); install one (e.g. Temurin 25) and set TENPAK_JAVA_HOME or JAVA_HOME "
             "to its home folder, or pass tenpak_options.java_home to tenpak_init",
             MIN_JAVA, tried);
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Finding the engine jar.
 */

/* The newest file matching JAR_GLOB in dir, into out; 0 when found. */
static int newest_jar(const char *dir, char *out, size_t out_len) {
    char pattern[PATH_MAX];
    snprintf(pattern, sizeof pattern, "%s/" JAR_GLOB, dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0) {
        return -1;
    }
    time_t best = 0;
    int found = -1;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct stat st;
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) && (found < 0 || st.st_mtime > best)) {
            best = st.st_mtime;
            snprintf(out, out_len, "%s", g.gl_pathv[i]);
            found = 0;
        }
    }
    globfree(&g);
    return found;
}

/* The folder holding this library, resolved; 0 when known. */
static int library_folder(char *out, size_t out_len) {
    Dl_info info;
    char real[PATH_MAX];
    if (dladdr((void *) &tenpak_version, &info) == 0 || info.dli_fname == NULL
        || realpath(info.dli_fname, real) == NULL) {
        return -1;
    }
    char *slash = strrchr(real, '/');
    if (slash == NULL) {
        return -1;
    }
    *slash = '\0';
    snprintf(out, out_len, "%s", real);
    return 0;
}

static int find_jar(const tenpak_options *opt, char *jar, size_t jar_len, char *why, size_t why_len) {
    if (opt != NULL && opt->engine_jar != NULL) {
        if (access(opt->engine_jar, R_OK) == 0) {
            snprintf(jar, jar_len, "%s", opt->engine_jar);
            return 0;
        }
        snprintf(why, why_len, "tenpak_options.engine_jar=%s: no such file", opt->engine_jar);
        return -1;
    }
    char lib[PATH_MAX] = "";
    if (library_folder(lib, sizeof lib) == 0 && newest_jar(lib, jar, jar_len) == 0) {
        return 0; /* the release tarball: lib/libtenpak.so beside lib/tenpak-cli-*-all.jar */
    }
    const char *env = getenv("TENPAK_JAR");
    if (env != NULL && *env) {
        if (access(env, R_OK) == 0) {
            snprintf(jar, jar_len, "%s", env);
            return 0;
        }
        snprintf(why, why_len, "TENPAK_JAR=%s: no such file", env);
        return -1;
    }
    if (lib[0]) { /* a source checkout: tenpak-c/target/libtenpak.so -> tenpak-cli/target/ */
        char target[PATH_MAX];
        snprintf(target, sizeof target, "%s/../../tenpak-cli/target", lib);
        if (newest_jar(target, jar, jar_len) == 0) {
            return 0;
        }
    }
    snprintf(why, why_len,
             "the tenpak engine jar is missing: no " JAR_GLOB " beside %s, TENPAK_JAR is not set, and no "
             "tenpak-cli/target/ above it; build it with ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests, "
             "or set TENPAK_JAR, or pass tenpak_options.engine_jar",
             lib[0] ? lib : "this library");
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Starting (or finding) the JVM and the bridge class.
 */
typedef jint (*create_vm_fn)(JavaVM **, void **, void *);
typedef jint (*created_vms_fn)(JavaVM **, jsize, jsize *);

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_dead;                 /* JNI_CreateJavaVM failed: a process gets one try */
static int g_dead_status;
static char g_dead_message[2048];

static jclass g_bridge;
static jmethodID m_status, m_message, m_compress_json, m_decompress_json, m_compress_file, m_decompress_file,
    m_compress_tensors, m_list_tensors, m_decode_tensors;

#if defined(__linux__)
static int find_loaded_libjvm(struct dl_phdr_info *info, size_t size, void *data) {
    (void) size;
    const char *name = info->dlpi_name;
    size_t n = name ? strlen(name) : 0;
    if (n >= 10 && strcmp(name + n - 10, "/libjvm.so") == 0) {
        snprintf(data, PATH_MAX, "%s", name);
        return 1;
    }
    return 0;
}
#endif

/* JNI_GetCreatedJavaVMs of a libjvm already loaded in this process (by anyone), or NULL. */
static created_vms_fn loaded_created_vms(void) {
    created_vms_fn f = (created_vms_fn) dlsym(RTLD_DEFAULT, "JNI_GetCreatedJavaVMs");
    if (f != NULL) {
        return f;
    }
    char path[PATH_MAX] = "";
#if defined(__linux__)
    dl_iterate_phdr(find_loaded_libjvm, path);
#elif defined(__APPLE__)
    for (uint32_t i = 0; i < _dyld_image_count(); i++) {
        const char *name = _dyld_get_image_name(i);
        size_t n = name ? strlen(name) : 0;
        if (n >= 13 && strcmp(name + n - 13, "/libjvm.dylib") == 0) {
            snprintf(path, sizeof path, "%s", name);
            break;
        }
    }
#endif
    if (path[0] == '\0') {
        return NULL;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    return h == NULL ? NULL : (created_vms_fn) dlsym(h, "JNI_GetCreatedJavaVMs");
}

/* Adds a strdup'ed option; -1 when out of memory or out of room. */
static int add_option(JavaVMOption *opts, int *n, int cap, const char *fmt, ...) {
    if (*n >= cap) {
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0) {
        return -1;
    }
    opts[*n].optionString = s;
    opts[*n].extraInfo = NULL;
    (*n)++;
    return 0;
}

/* Loads NativeBridge from jar with a new URLClassLoader: for a JVM someone else started without it. */
static jclass load_from_jar(JNIEnv *env, const char *jar) {
    jclass file_c = (*env)->FindClass(env, "java/io/File");
    jclass uri_c = (*env)->FindClass(env, "java/net/URI");
    jclass url_c = (*env)->FindClass(env, "java/net/URL");
    jclass loader_c = (*env)->FindClass(env, "java/net/URLClassLoader");
    jclass class_c = (*env)->FindClass(env, "java/lang/Class");
    jclass cl_c = (*env)->FindClass(env, "java/lang/ClassLoader");
    if ((*env)->ExceptionCheck(env)) return NULL;
    jstring jar_s = (*env)->NewStringUTF(env, jar);
    if (jar_s == NULL) return NULL;
    jobject file = (*env)->NewObject(env, file_c, (*env)->GetMethodID(env, file_c, "<init>", "(Ljava/lang/String;)V"),
                                     jar_s);
    if (file == NULL) return NULL;
    jobject uri = (*env)->CallObjectMethod(env, file, (*env)->GetMethodID(env, file_c, "toURI", "()Ljava/net/URI;"));
    if (uri == NULL) return NULL;
    jobject url = (*env)->CallObjectMethod(env, uri, (*env)->GetMethodID(env, uri_c, "toURL", "()Ljava/net/URL;"));
    if (url == NULL) return NULL;
    jobjectArray urls = (*env)->NewObjectArray(env, 1, url_c, url);
    if (urls == NULL) return NULL;
    jobject parent = (*env)->CallStaticObjectMethod(
        env, cl_c, (*env)->GetStaticMethodID(env, cl_c, "getSystemClassLoader", "()Ljava/lang/ClassLoader;"));
    if ((*env)->ExceptionCheck(env)) return NULL;
    jobject loader = (*env)->NewObject(
        env, loader_c, (*env)->GetMethodID(env, loader_c, "<init>", "([Ljava/net/URL;Ljava/lang/ClassLoader;)V"), urls,
        parent);
    if (loader == NULL) return NULL;
    jstring name = (*env)->NewStringUTF(env, "dev.tenpak.internal.bridge.NativeBridge");
    if (name == NULL) return NULL;
    jmethodID for_name = (*env)->GetStaticMethodID(env, class_c, "forName",
                                                   "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;");
    return (jclass) (*env)->CallStaticObjectMethod(env, class_c, for_name, name, JNI_TRUE, loader);
}

/* Resolves the bridge class and its methods; 0 on success, else -1 with a Java exception cleared. */
static int bind_bridge(JNIEnv *env, const tenpak_options *opt, char *why, size_t why_len) {
    if ((*env)->PushLocalFrame(env, 32) != 0) {
        (*env)->ExceptionClear(env);
        snprintf(why, why_len, "the JVM is out of memory");
        return -1;
    }
    jclass c = (*env)->FindClass(env, BRIDGE_CLASS);
    if (c == NULL) {
        (*env)->ExceptionClear(env);
        char jar[PATH_MAX];
        if (find_jar(opt, jar, sizeof jar, why, why_len) != 0) {
            (*env)->PopLocalFrame(env, NULL);
            return -1;
        }
        c = load_from_jar(env, jar);
        if (c == NULL) {
            (*env)->ExceptionClear(env);
            snprintf(why, why_len, "the JVM cannot load " BRIDGE_CLASS " from %s; rebuild the jar", jar);
            (*env)->PopLocalFrame(env, NULL);
            return -1;
        }
    }
    g_bridge = (*env)->NewGlobalRef(env, c);
    struct {
        jmethodID *id;
        const char *name;
        const char *sig;
    } methods[] = {
        {&m_status, "status", "(Ljava/lang/Throwable;)I"},
        {&m_message, "message", "(Ljava/lang/Throwable;)[B"},
        {&m_compress_json, "compressJsonBundle", "(JJJ)[B"},
        {&m_decompress_json, "decompressArtifactToJson", "(JJ)[B"},
        {&m_compress_file, "compressFile", "(JJJJ)V"},
        {&m_decompress_file, "decompressFile", "(JJJ)V"},
        {&m_compress_tensors, "compressTensors", "(JJJJJ)V"},
        {&m_list_tensors, "listTensors", "(J)[Ljava/lang/Object;"},
        {&m_decode_tensors, "decodeTensors", "(JJJ)V"},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        *methods[i].id = (*env)->GetStaticMethodID(env, c, methods[i].name, methods[i].sig);
        if (*methods[i].id == NULL) {
            (*env)->ExceptionClear(env);
            snprintf(why, why_len, "the engine jar's " BRIDGE_CLASS " has no %s%s: the jar and libtenpak are from "
                     "different versions", methods[i].name, methods[i].sig);
            (*env)->PopLocalFrame(env, NULL);
            return -1;
        }
    }
    (*env)->PopLocalFrame(env, NULL);
    return 0;
}

/* Splits TENPAK_JVM_ARGS at white space into options; -1 when out of room. */
static int add_env_args(JavaVMOption *opts, int *n, int cap) {
    const char *s = getenv("TENPAK_JVM_ARGS");
    while (s != NULL && *s) {
        s += strspn(s, " \t\n");
        size_t len = strcspn(s, " \t\n");
        if (len > 0 && add_option(opts, n, cap, "%.*s", (int) len, s) != 0) {
            return -1;
        }
        s += len;
    }
    return 0;
}

/* Creates the JVM; 0 with *env attached, else a status with why filled. */
static int create_vm(const tenpak_options *opt, JNIEnv **env, char *why, size_t why_len) {
    java_runtime rt;
    char jar[PATH_MAX];
    if (find_java(opt, &rt, why, why_len) != 0 || find_jar(opt, jar, sizeof jar, why, why_len) != 0) {
        return TENPAK_ERR_MISSING_DEPENDENCY;
    }
    void *lib = dlopen(rt.libjvm, RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        snprintf(why, why_len, "cannot load %s: %s", rt.libjvm, dlerror());
        return TENPAK_ERR_MISSING_DEPENDENCY;
    }
    create_vm_fn create = (create_vm_fn) dlsym(lib, "JNI_CreateJavaVM");
    created_vms_fn created = (created_vms_fn) dlsym(lib, "JNI_GetCreatedJavaVMs");
    if (create == NULL || created == NULL) {
        snprintf(why, why_len, "%s has no JNI_CreateJavaVM", rt.libjvm);
        return TENPAK_ERR_MISSING_DEPENDENCY;
    }
    enum { CAP = 256 };
    JavaVMOption opts[CAP];
    int n = 0;
    int err = add_option(opts, &n, CAP, "-Djava.class.path=%s", jar)
              | add_option(opts, &n, CAP, "--enable-native-access=ALL-UNNAMED")
              /* Leave SIGINT/SIGTERM/SIGHUP/SIGQUIT to the host program (see tenpak.h, "Signals"). */
              | add_option(opts, &n, CAP, "-Xrs")
              /* As bin/tenpak: compile tenpak's methods sooner, since every process starts cold. */
              | add_option(opts, &n, CAP, "-XX:CompileCommand=quiet")
              | add_option(opts, &n, CAP, "-XX:CompileCommand=CompileThresholdScaling,dev.tenpak.*::*,0.05");
    if (rt.has_vector) {
        err |= add_option(opts, &n, CAP, "--add-modules=jdk.incubator.vector");
    }
    const char *heap = getenv("TENPAK_JVM_HEAP");
    if (heap != NULL && *heap) {
        err |= add_option(opts, &n, CAP, "-Xmx%s", heap);
    }
    err |= add_env_args(opts, &n, CAP);
    for (size_t i = 0; opt != NULL && opt->jvm_args != NULL && i < opt->jvm_args_count; i++) {
        err |= add_option(opts, &n, CAP, "%s", opt->jvm_args[i]);
    }
    int status = TENPAK_OK;
    if (err != 0) {
        snprintf(why, why_len, "too many JVM options (at most %d) or out of memory", CAP);
        status = TENPAK_ERR_USAGE;
    } else {
        JavaVMInitArgs args = {.version = TENPAK_JNI_VERSION, .nOptions = n, .options = opts,
                               .ignoreUnrecognized = JNI_FALSE};
        JavaVM *vm = NULL;
        jint r = create(&vm, (void **) env, &args);
        if (r != JNI_OK) {
            snprintf(why, why_len, "the JVM at %s did not start (JNI_CreateJavaVM returned %d; see its message above, "
                     "and check TENPAK_JVM_ARGS and tenpak_options.jvm_args)", rt.home, (int) r);
            status = TENPAK_ERR_MISSING_DEPENDENCY;
            g_dead = 1;
        } else {
            g_vm = vm;
        }
    }
    for (int i = 0; i < n; i++) {
        free(opts[i].optionString);
    }
    return status;
}

/* Makes sure the engine runs; TENPAK_OK or a status with the error recorded. */
static int ensure_engine(const tenpak_options *opt, int explicit_init, char **out_err) {
    if (__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE)) {
        return explicit_init && opt != NULL
                   ? fail(TENPAK_ERR_USAGE, out_err, "tenpak_init: the engine is already running; options apply "
                                                      "only before the first call")
                   : TENPAK_OK;
    }
    pthread_mutex_lock(&g_lock);
    int status = TENPAK_OK;
    char why[PATH_MAX + 1024] = "";
    if (__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE)) {
        status = explicit_init && opt != NULL ? TENPAK_ERR_USAGE : TENPAK_OK;
        snprintf(why, sizeof why, "tenpak_init: the engine is already running; options apply only before the first call");
    } else if (g_dead) {
        status = g_dead_status;
        snprintf(why, sizeof why, "%s", g_dead_message);
    } else {
        thread_state *ts = state();
        JNIEnv *env = NULL;
        created_vms_fn created = loaded_created_vms();
        JavaVM *vm = NULL;
        jsize count = 0;
        if (created != NULL && created(&vm, 1, &count) == JNI_OK && count > 0) {
            g_vm = vm; /* someone else's JVM: reuse it */
            if ((*vm)->GetEnv(vm, (void **) &env, TENPAK_JNI_VERSION) == JNI_EDETACHED) {
                JavaVMAttachArgs a = {.version = TENPAK_JNI_VERSION, .name = "tenpak-native", .group = NULL};
                if ((*vm)->AttachCurrentThreadAsDaemon(vm, (void **) &env, &a) != JNI_OK) {
                    env = NULL;
                    status = TENPAK_ERR_INTERNAL;
                    snprintf(why, sizeof why, "cannot attach this thread to the running JVM");
                } else if (ts != NULL) {
                    ts->attached = 1;
                }
            }
        } else {
            status = create_vm(opt, &env, why, sizeof why);
            if (status == TENPAK_OK && ts != NULL) {
                ts->attached = 1; /* JNI_CreateJavaVM attached this thread; detach it when it exits */
            }
            if (g_dead) {
                g_dead_status = status;
                snprintf(g_dead_message, sizeof g_dead_message, "%s", why);
            }
        }
        if (status == TENPAK_OK && bind_bridge(env, opt, why, sizeof why) != 0) {
            status = TENPAK_ERR_MISSING_DEPENDENCY;
            g_vm = NULL; /* the JVM runs on, but without the engine; a later call may try again */
        }
        if (status == TENPAK_OK) {
            __atomic_store_n(&g_ready, 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&g_lock);
    return status == TENPAK_OK ? TENPAK_OK : fail(status, out_err, "%s", why);
}

/* ---------------------------------------------------------------------------------------------
 * Calls: enter attaches the thread if needed and opens a local-reference frame (an attached native
 * thread never returns to Java, so without a frame its local references would pile up).
 */
static JNIEnv *enter(int *status, char **out_err) {
    *status = ensure_engine(NULL, 0, out_err);
    if (*status != TENPAK_OK) {
        return NULL;
    }
    JNIEnv *env = NULL;
    jint r = (*g_vm)->GetEnv(g_vm, (void **) &env, TENPAK_JNI_VERSION);
    if (r == JNI_EDETACHED) {
        thread_state *ts = state();
        JavaVMAttachArgs a = {.version = TENPAK_JNI_VERSION, .name = "tenpak-native", .group = NULL};
        if (ts == NULL || (*g_vm)->AttachCurrentThreadAsDaemon(g_vm, (void **) &env, &a) != JNI_OK) {
            *status = fail(TENPAK_ERR_INTERNAL, out_err, "cannot attach this thread to the JVM (out of memory?)");
            return NULL;
        }
        ts->attached = 1;
    } else if (r != JNI_OK) {
        *status = fail(TENPAK_ERR_INTERNAL, out_err, "JNI GetEnv failed (%d)", (int) r);
        return NULL;
    }
    if ((*env)->PushLocalFrame(env, 32) != 0) {
        (*env)->ExceptionClear(env);
        *status = fail(TENPAK_ERR_INTERNAL, out_err, "the JVM is out of memory");
        return NULL;
    }
    return env;
}

static void leave(JNIEnv *env) {
    (*env)->PopLocalFrame(env, NULL);
}

/* A copy of a Java byte[] as a NUL-terminated C string (malloc), or NULL. */
static char *cstring_of(JNIEnv *env, jbyteArray a) {
    if (a == NULL) {
        return NULL;
    }
    jsize n = (*env)->GetArrayLength(env, a);
    char *s = malloc((size_t) n + 1);
    if (s != NULL) {
        (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *) s);
        s[n] = '\0';
    }
    return s;
}

/* When the last call threw: clears it, records NativeBridge's status and message, returns the status. */
static int thrown(JNIEnv *env, char **out_err) {
    jthrowable t = (*env)->ExceptionOccurred(env);
    if (t == NULL) {
        return TENPAK_OK;
    }
    (*env)->ExceptionClear(env);
    jint status = (*env)->CallStaticIntMethod(env, g_bridge, m_status, t);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionClear(env);
        status = TENPAK_ERR_INTERNAL;
    }
    jbyteArray m = (jbyteArray) (*env)->CallStaticObjectMethod(env, g_bridge, m_message, t);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionClear(env);
        m = NULL;
    }
    char *msg = cstring_of(env, m);
    if (msg == NULL) {
        return fail(status, out_err, "error %d (no message: the JVM is out of memory)", (int) status);
    }
    return fail_owned(status, out_err, msg);
}

/* Copies a Java byte[] into a malloc'd buffer for the caller. */
static int take_bytes(JNIEnv *env, jbyteArray a, uint8_t **out, size_t *out_len, char **out_err) {
    jsize n = (*env)->GetArrayLength(env, a);
    uint8_t *buf = malloc(n > 0 ? (size_t) n : 1);
    if (buf == NULL) {
        return fail(TENPAK_ERR_INTERNAL, out_err, "out of memory: cannot allocate %ld bytes", (long) n);
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *) buf);
    *out = buf;
    *out_len = (size_t) n;
    return TENPAK_OK;
}

#define ADDR(p) ((jlong) (intptr_t) (p))

/* ---------------------------------------------------------------------------------------------
 * The entry points.
 */
TENPAK_API int tenpak_init(const tenpak_options *options, char **out_err) {
    begin(out_err);
    if (options != NULL && options->struct_size < offsetof(tenpak_options, jvm_args_count) + sizeof(size_t)) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_init: options->struct_size is %zu; set it to "
                    "sizeof(tenpak_options)", options->struct_size);
    }
    if (options != NULL && options->jvm_args == NULL && options->jvm_args_count > 0) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_init: jvm_args is NULL but jvm_args_count is %zu",
                    options->jvm_args_count);
    }
    return ensure_engine(options, 1, out_err);
}

TENPAK_API int tenpak_compress_json_bundle(const uint8_t *json, size_t json_len, const char *codec,
                                           uint8_t **out_artifact, size_t *out_artifact_len, char **out_err) {
    begin(out_err);
    if (out_artifact == NULL || out_artifact_len == NULL) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_compress_json_bundle: out_artifact and out_artifact_len "
                    "must not be NULL");
    }
    *out_artifact = NULL;
    *out_artifact_len = 0;
    if (json == NULL && json_len > 0) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_compress_json_bundle: json is NULL but json_len is %zu",
                    json_len);
    }
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    jbyteArray r = (jbyteArray) (*env)->CallStaticObjectMethod(env, g_bridge, m_compress_json, ADDR(json),
                                                                (jlong) json_len, ADDR(codec));
    status = thrown(env, out_err);
    if (status == TENPAK_OK) {
        status = take_bytes(env, r, out_artifact, out_artifact_len, out_err);
    }
    leave(env);
    return status;
}

TENPAK_API int tenpak_decompress_artifact_to_json(const uint8_t *artifact, size_t artifact_len, uint8_t **out_json,
                                                  size_t *out_json_len, char **out_err) {
    begin(out_err);
    if (out_json == NULL || out_json_len == NULL) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_decompress_artifact_to_json: out_json and out_json_len "
                    "must not be NULL");
    }
    *out_json = NULL;
    *out_json_len = 0;
    if (artifact == NULL && artifact_len > 0) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_decompress_artifact_to_json: artifact is NULL but "
                    "artifact_len is %zu", artifact_len);
    }
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    jbyteArray r = (jbyteArray) (*env)->CallStaticObjectMethod(env, g_bridge, m_decompress_json, ADDR(artifact),
                                                                (jlong) artifact_len);
    status = thrown(env, out_err);
    if (status == TENPAK_OK) {
        status = take_bytes(env, r, out_json, out_json_len, out_err);
    }
    leave(env);
    return status;
}

TENPAK_API void tenpak_free_buffer(uint8_t *ptr, size_t len) {
    (void) len; /* in the specification for allocators that need the size; malloc does not */
    free(ptr);
}

TENPAK_API void tenpak_free_cstring(char *ptr) {
    free(ptr);
}

TENPAK_API int tenpak_compress_file(const char *input_path, const char *output_path, const char *codec,
                                    const char *options, char **out_err) {
    begin(out_err);
    if (input_path == NULL || output_path == NULL) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_compress_file: input_path and output_path must not be NULL");
    }
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    (*env)->CallStaticVoidMethod(env, g_bridge, m_compress_file, ADDR(input_path), ADDR(output_path), ADDR(codec),
                                 ADDR(options));
    status = thrown(env, out_err);
    leave(env);
    return status;
}

TENPAK_API int tenpak_decompress_file(const char *artifact_path, const char *output_path, const char *options,
                                      char **out_err) {
    begin(out_err);
    if (artifact_path == NULL || output_path == NULL) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_decompress_file: artifact_path and output_path must not be "
                    "NULL");
    }
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    (*env)->CallStaticVoidMethod(env, g_bridge, m_decompress_file, ADDR(artifact_path), ADDR(output_path),
                                 ADDR(options));
    status = thrown(env, out_err);
    leave(env);
    return status;
}

TENPAK_API int tenpak_compress_tensors(const tenpak_tensor *tensors, size_t count, const char *output_path,
                                       const char *codec, const char *options, char **out_err) {
    begin(out_err);
    if (output_path == NULL || (tensors == NULL && count > 0)) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_compress_tensors: output_path must not be NULL, nor tensors "
                    "when count > 0");
    }
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    (*env)->CallStaticVoidMethod(env, g_bridge, m_compress_tensors, ADDR(tensors), (jlong) count, ADDR(output_path),
                                 ADDR(codec), ADDR(options));
    status = thrown(env, out_err);
    leave(env);
    return status;
}

static size_t align64(size_t n) {
    return (n + 63) & ~(size_t) 63;
}

/*
 * Lists the artifact and builds the one allocation tenpak_free_tensors frees: the structs, then
 * every shape, then names and dtype names, then (with_data) each tensor's data, 64-byte aligned.
 */
static int list_into_block(JNIEnv *env, const char *path, int with_data, tenpak_tensor **out, size_t *out_count,
                           char **out_err) {
    jobjectArray r = (jobjectArray) (*env)->CallStaticObjectMethod(env, g_bridge, m_list_tensors, ADDR(path));
    int status = thrown(env, out_err);
    if (status != TENPAK_OK) {
        return status;
    }
    jbyteArray names = (*env)->GetObjectArrayElement(env, r, 0);
    jbyteArray dtypes = (*env)->GetObjectArrayElement(env, r, 1);
    jintArray ranks_a = (*env)->GetObjectArrayElement(env, r, 2);
    jlongArray dims_a = (*env)->GetObjectArrayElement(env, r, 3);
    jlongArray nbytes_a = (*env)->GetObjectArrayElement(env, r, 4);
    size_t count = (size_t) (*env)->GetArrayLength(env, ranks_a);
    size_t ndims = (size_t) (*env)->GetArrayLength(env, dims_a);
    size_t names_len = (size_t) (*env)->GetArrayLength(env, names);
    size_t dtypes_len = (size_t) (*env)->GetArrayLength(env, dtypes);
    jint *ranks_copy = malloc(count * sizeof(jint) + 1);
    jlong *sizes = malloc(count * sizeof(jlong) + 1);
    if (ranks_copy == NULL || sizes == NULL) {
        free(ranks_copy);
        free(sizes);
        return fail(TENPAK_ERR_INTERNAL, out_err, "out of memory listing %zu tensors", count);
    }
    (*env)->GetIntArrayRegion(env, ranks_a, 0, (jsize) count, ranks_copy);
    (*env)->GetLongArrayRegion(env, nbytes_a, 0, (jsize) count, sizes);
    size_t head = count * sizeof(tenpak_tensor) + ndims * sizeof(int64_t) + names_len + dtypes_len;
    size_t total = align64(head);
    int overflow = 0;
    for (size_t i = 0; with_data && i < count; i++) {
        overflow |= __builtin_add_overflow(total, align64((size_t) sizes[i]), &total);
    }
    tenpak_tensor *block = NULL;
    if (overflow || posix_memalign((void **) &block, 64, total > 0 ? total : 64) != 0) {
        free(ranks_copy);
        free(sizes);
        return fail(TENPAK_ERR_INTERNAL, out_err, "out of memory: cannot allocate %s bytes for %zu tensors",
                    overflow ? "more than 2^64" : "the", count);
    }
    int64_t *dims = (int64_t *) (block + count);
    char *name_at = (char *) (dims + ndims);
    char *dtype_at = name_at + names_len;
    uint8_t *data_at = (uint8_t *) block + align64(head);
    (*env)->GetLongArrayRegion(env, dims_a, 0, (jsize) ndims, (jlong *) dims);
    (*env)->GetByteArrayRegion(env, names, 0, (jsize) names_len, (jbyte *) name_at);
    (*env)->GetByteArrayRegion(env, dtypes, 0, (jsize) dtypes_len, (jbyte *) dtype_at);
    int64_t *shape_at = dims;
    for (size_t i = 0; i < count; i++) {
        block[i].name = name_at;
        block[i].dtype = dtype_at;
        block[i].ndim = ranks_copy[i];
        block[i].shape = shape_at;
        block[i].nbytes = (size_t) sizes[i];
        block[i].data = with_data ? data_at : NULL;
        name_at += strlen(name_at) + 1;
        dtype_at += strlen(dtype_at) + 1;
        shape_at += ranks_copy[i];
        if (with_data) {
            data_at += align64((size_t) sizes[i]);
        }
    }
    free(ranks_copy);
    free(sizes);
    *out = block;
    *out_count = count;
    return TENPAK_OK;
}

static int list_or_decode(const char *fn, const char *path, int with_data, tenpak_tensor **out_tensors,
                          size_t *out_count, char **out_err) {
    begin(out_err);
    if (path == NULL || out_tensors == NULL || out_count == NULL) {
        return fail(TENPAK_ERR_USAGE, out_err, "%s: artifact_path, out_tensors and out_count must not be NULL", fn);
    }
    *out_tensors = NULL;
    *out_count = 0;
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    tenpak_tensor *block = NULL;
    size_t count = 0;
    status = list_into_block(env, path, with_data, &block, &count, out_err);
    if (status == TENPAK_OK && with_data) {
        (*env)->CallStaticVoidMethod(env, g_bridge, m_decode_tensors, ADDR(path), ADDR(block), (jlong) count);
        status = thrown(env, out_err);
        if (status != TENPAK_OK) {
            free(block);
        }
    }
    if (status == TENPAK_OK) {
        *out_tensors = block;
        *out_count = count;
    }
    leave(env);
    return status;
}

TENPAK_API int tenpak_list_tensors(const char *artifact_path, tenpak_tensor **out_tensors, size_t *out_count,
                                   char **out_err) {
    return list_or_decode("tenpak_list_tensors", artifact_path, 0, out_tensors, out_count, out_err);
}

TENPAK_API int tenpak_decompress_tensors(const char *artifact_path, tenpak_tensor **out_tensors, size_t *out_count,
                                         char **out_err) {
    return list_or_decode("tenpak_decompress_tensors", artifact_path, 1, out_tensors, out_count, out_err);
}

TENPAK_API int tenpak_decompress_tensors_into(const char *artifact_path, const tenpak_tensor *tensors, size_t count,
                                              char **out_err) {
    begin(out_err);
    if (artifact_path == NULL || (tensors == NULL && count > 0)) {
        return fail(TENPAK_ERR_USAGE, out_err, "tenpak_decompress_tensors_into: artifact_path must not be NULL, nor "
                    "tensors when count > 0");
    }
    int status;
    JNIEnv *env = enter(&status, out_err);
    if (env == NULL) {
        return status;
    }
    (*env)->CallStaticVoidMethod(env, g_bridge, m_decode_tensors, ADDR(artifact_path), ADDR(tensors), (jlong) count);
    status = thrown(env, out_err);
    leave(env);
    return status;
}

TENPAK_API void tenpak_free_tensors(tenpak_tensor *tensors, size_t count) {
    (void) count; /* one allocation holds the array and everything it points to */
    free(tensors);
}

TENPAK_API const char *tenpak_version(void) {
    return TENPAK_VERSION;
}

TENPAK_API const char *tenpak_last_error(void) {
    pthread_once(&g_key_once, make_key);
    thread_state *ts = pthread_getspecific(g_key);
    return ts == NULL ? NULL : ts->last_error;
}
