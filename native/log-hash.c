/*
 * gunzip + SHA-256 of one log file on libuv's thread pool, for validate-logs.
 *
 * Why native: zlib inflates CloudTrail JSON at ~300 MB/s a core on the machines this runs
 * on; libdeflate does ~1,500 MB/s. No npm package wraps libdeflate's decompressor without
 * downloading prebuilt binaries, so this file binds the three functions it needs. The
 * library is opened at run time (dlopen of libdeflate.so.0, Debian's libdeflate0), so the
 * addon builds without its headers and works, slower, without it: `unavailableReason()` says so
 * and the caller uses zlib. SHA-256 is OpenSSL's, as exported by Node itself.
 *
 * Only the plain case is answered here: one gzip member that inflates whole into the size
 * its trailer states. Anything else (corrupt, truncated, several members, a lying trailer)
 * resolves to null and the caller hashes the file with zlib, whose semantics are the
 * reference (they match the AWS CLI's).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <openssl/evp.h>

/* libdeflate's ABI, as declared in its libdeflate.h (stable since 1.0). */
struct libdeflate_decompressor;
enum libdeflate_result { LIBDEFLATE_SUCCESS = 0 };
typedef struct libdeflate_decompressor *(*alloc_fn)(void);
typedef void (*free_fn)(struct libdeflate_decompressor *);
typedef int (*gzip_ex_fn)(struct libdeflate_decompressor *, const void *, size_t, void *, size_t, size_t *, size_t *);

static alloc_fn ld_alloc;
static free_fn ld_free;
static gzip_ex_fn ld_gzip;
static const char *ld_error;

/* Deflate expands at most 1032:1; a trailer claiming more is a lie. */
#define MAX_RATIO 1032
/* Larger files are hashed by the caller's streaming path rather than held whole. */
#define MAX_OUTPUT ((size_t)1 << 30)

static void open_libdeflate(void) {
  void *lib = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!lib) { ld_error = "libdeflate.so.0 not found"; return; }
  ld_alloc = (alloc_fn)dlsym(lib, "libdeflate_alloc_decompressor");
  ld_free = (free_fn)dlsym(lib, "libdeflate_free_decompressor");
  ld_gzip = (gzip_ex_fn)dlsym(lib, "libdeflate_gzip_decompress_ex");
  if (!ld_alloc || !ld_free || !ld_gzip) { ld_error = "libdeflate.so.0 lacks libdeflate_gzip_decompress_ex"; ld_gzip = NULL; }
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input_ref;
  const uint8_t *in;
  size_t in_len;
  int ok;
  char hex[65];
} Job;

static void execute(napi_env env, void *data) {
  (void)env;
  Job *job = data;
  job->ok = 0;
  if (job->in_len < 18) return;
  const uint8_t *t = job->in + job->in_len - 4;
  size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
  if (isize > MAX_OUTPUT || isize > job->in_len * MAX_RATIO) return;
  /* One byte more than stated, so output beyond the trailer's size is noticed. */
  uint8_t *out = malloc(isize + 1);
  if (!out) return;
  struct libdeflate_decompressor *d = ld_alloc();
  size_t used_in = 0, used_out = 0;
  int result = d ? ld_gzip(d, job->in, job->in_len, out, isize + 1, &used_in, &used_out) : -1;
  if (d) ld_free(d);
  if (result == LIBDEFLATE_SUCCESS && used_in == job->in_len && used_out == isize) {
    unsigned char md[32];
    unsigned int md_len = 0;
    if (EVP_Digest(out, used_out, md, &md_len, EVP_sha256(), NULL) == 1 && md_len == 32) {
      static const char digits[] = "0123456789abcdef";
      for (int i = 0; i < 32; i++) { job->hex[2 * i] = digits[md[i] >> 4]; job->hex[2 * i + 1] = digits[md[i] & 15]; }
      job->hex[64] = 0;
      job->ok = 1;
    }
  }
  free(out);
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = data;
  napi_value value;
  if (status == napi_ok && job->ok) napi_create_string_latin1(env, job->hex, 64, &value);
  else napi_get_null(env, &value);
  napi_resolve_deferred(env, job->deferred, value);
  napi_delete_reference(env, job->input_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

/* sha256OfGzip(bytes: Uint8Array): Promise<string | null> */
static napi_value sha256_of_gzip(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_typed = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, NULL, "sha256OfGzip expects a Uint8Array");
    return NULL;
  }
  if (!ld_gzip) {
    napi_throw_error(env, NULL, ld_error ? ld_error : "libdeflate unavailable");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length, offset;
  void *bytes;
  napi_value buffer;
  napi_get_typedarray_info(env, argv[0], &type, &length, &bytes, &buffer, &offset);
  if (type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "sha256OfGzip expects a Uint8Array");
    return NULL;
  }
  Job *job = calloc(1, sizeof(Job));
  job->in = bytes;
  job->in_len = length;
  /* The bytes stay referenced, so not collected, until the job completes. */
  napi_create_reference(env, argv[0], 1, &job->input_ref);
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "opentrail:sha256OfGzip", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

/* available(): string | null — null when the fast path works, else why not. */
static napi_value available(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value value;
  if (ld_gzip) napi_get_null(env, &value);
  else napi_create_string_utf8(env, ld_error ? ld_error : "libdeflate unavailable", NAPI_AUTO_LENGTH, &value);
  return value;
}

NAPI_MODULE_INIT() {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, open_libdeflate); /* worker threads load the addon too */
  napi_value fn;
  napi_create_function(env, "sha256OfGzip", NAPI_AUTO_LENGTH, sha256_of_gzip, NULL, &fn);
  napi_set_named_property(env, exports, "sha256OfGzip", fn);
  napi_create_function(env, "unavailableReason", NAPI_AUTO_LENGTH, available, NULL, &fn);
  napi_set_named_property(env, exports, "unavailableReason", fn);
  return exports;
}
