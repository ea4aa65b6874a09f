/*
 * gunzip + SHA-256 of one log file on libuv's thread pool, for validate-logs; and gzip of
 * one log file, for trail delivery.
 *
 * Why native: zlib inflates CloudTrail JSON at ~300 MB/s a core on the machines this runs
 * on; libdeflate does ~1,500 MB/s. No npm package wraps libdeflate's decompressor without
 * downloading prebuilt binaries, so this file binds the three functions it needs. The
 * library is opened at run time (dlopen of libdeflate.so.0, Debian's libdeflate0), so the
 * addon builds without its headers and works, slower, without it: `unavailableReason()` says so
 * and the caller uses zlib. SHA-256 is OpenSSL's, as exported by Node itself.
 *
 * Buffers (up to 64 MB) are kept and reused: on the virtual machines this runs on, the
 * first write to fresh memory costs ~2.7 ms a MB (page faults), more than inflating it.
 * sha256OfGzipFile reads the file itself into such a buffer for the same reason: a Node
 * Buffer per file would be fresh memory each time.
 *
 * Only the plain case is answered here: one gzip member that inflates whole into the size
 * its trailer states. Anything else (corrupt, truncated, several members, a lying trailer)
 * resolves to null and the caller hashes the file with zlib, whose semantics are the
 * reference (they match the AWS CLI's).
 *
 * gzip: libdeflate at level 6 writes files as small as zlib's level 6 about 1.5 times as
 * fast (measured on CloudTrail log files: 223-241 MB/s against 155-159), and trails gzip
 * every record they deliver. Its output is deterministic (no time in the header), as a
 * replayed delivery needs.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
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

struct libdeflate_compressor;
typedef struct libdeflate_compressor *(*compressor_alloc_fn)(int);
typedef void (*compressor_free_fn)(struct libdeflate_compressor *);
typedef size_t (*gzip_compress_fn)(struct libdeflate_compressor *, const void *, size_t, void *, size_t);
typedef size_t (*gzip_bound_fn)(struct libdeflate_compressor *, size_t);

static compressor_alloc_fn lc_alloc;
static compressor_free_fn lc_free;
static gzip_compress_fn lc_gzip;
static gzip_bound_fn lc_bound;

/* Deflate expands at most 1032:1; a trailer claiming more is a lie. */
#define MAX_RATIO 1032
/* Larger files are hashed by the caller's streaming path rather than held whole. */
#define MAX_OUTPUT ((size_t)1 << 30)
/* Buffers larger than this are given back after use rather than kept. */
#define KEEP_SIZE ((size_t)64 << 20)

/* A job's working memory: the file as read (path jobs) and the inflated content. */
typedef struct Buffers {
  struct Buffers *next;
  uint8_t *in, *out;
  size_t in_size, out_size;
} Buffers;

/* Idle buffers, shared by libuv's threads: as many exist as jobs ever ran at once. */
static Buffers *idle;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;

static Buffers *take_buffers(void) {
  pthread_mutex_lock(&idle_lock);
  Buffers *b = idle;
  if (b) idle = b->next;
  pthread_mutex_unlock(&idle_lock);
  return b ? b : calloc(1, sizeof(Buffers));
}

static void give_back_buffers(Buffers *b) {
  if (b->in_size > KEEP_SIZE) { free(b->in); b->in = NULL; b->in_size = 0; }
  if (b->out_size > KEEP_SIZE) { free(b->out); b->out = NULL; b->out_size = 0; }
  pthread_mutex_lock(&idle_lock);
  b->next = idle;
  idle = b;
  pthread_mutex_unlock(&idle_lock);
}

/*
 * Grows *buf to at least `size` bytes, to the next power of two: files differ a little in
 * size, and growing by a little each time would touch fresh memory each time (the pages
 * past what a file uses are never touched, so they cost nothing). 0 when memory is short.
 */
static int reserve(uint8_t **buf, size_t *have, size_t size) {
  if (size <= *have) return 1;
  size_t grown = (size_t)1 << 20;
  while (grown < size) grown <<= 1;
  free(*buf);
  *buf = malloc(grown);
  *have = *buf ? grown : 0;
  return *buf != NULL;
}

static void open_libdeflate(void) {
  void *lib = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!lib) { ld_error = "libdeflate.so.0 not found"; return; }
  ld_alloc = (alloc_fn)dlsym(lib, "libdeflate_alloc_decompressor");
  ld_free = (free_fn)dlsym(lib, "libdeflate_free_decompressor");
  ld_gzip = (gzip_ex_fn)dlsym(lib, "libdeflate_gzip_decompress_ex");
  if (!ld_alloc || !ld_free || !ld_gzip) { ld_error = "libdeflate.so.0 lacks libdeflate_gzip_decompress_ex"; ld_gzip = NULL; }
  lc_alloc = (compressor_alloc_fn)dlsym(lib, "libdeflate_alloc_compressor");
  lc_free = (compressor_free_fn)dlsym(lib, "libdeflate_free_compressor");
  lc_gzip = (gzip_compress_fn)dlsym(lib, "libdeflate_gzip_compress");
  lc_bound = (gzip_bound_fn)dlsym(lib, "libdeflate_gzip_compress_bound");
  if (!lc_alloc || !lc_free || !lc_bound) lc_gzip = NULL;
}

/*
 * Idle compressors, shared by libuv's threads: a compressor's tables are about a megabyte
 * at level 6, and fresh memory costs more here than compressing a file.
 */
typedef struct Compressor {
  struct Compressor *next;
  int level;
  struct libdeflate_compressor *c;
} Compressor;

static Compressor *idle_compressors;

static Compressor *take_compressor(int level) {
  pthread_mutex_lock(&idle_lock);
  Compressor **at = &idle_compressors;
  while (*at && (*at)->level != level) at = &(*at)->next;
  Compressor *k = *at;
  if (k) *at = k->next;
  pthread_mutex_unlock(&idle_lock);
  if (k) return k;
  k = calloc(1, sizeof(Compressor));
  if (!k) return NULL;
  k->level = level;
  k->c = lc_alloc(level);
  if (!k->c) { free(k); return NULL; }
  return k;
}

static void give_back_compressor(Compressor *k) {
  pthread_mutex_lock(&idle_lock);
  k->next = idle_compressors;
  idle_compressors = k;
  pthread_mutex_unlock(&idle_lock);
}

/* SHA-256 (lower hex) of the plain gzip file `in`; 0 for anything else. */
static int hash_gzip(const uint8_t *in, size_t in_len, Buffers *b, char hex[65]) {
  if (in_len < 18) return 0;
  const uint8_t *t = in + in_len - 4;
  size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
  if (isize > MAX_OUTPUT || isize > in_len * MAX_RATIO) return 0;
  /* One byte more than stated, so output beyond the trailer's size is noticed. */
  if (!reserve(&b->out, &b->out_size, isize + 1)) return 0;
  struct libdeflate_decompressor *d = ld_alloc();
  size_t used_in = 0, used_out = 0;
  int result = d ? ld_gzip(d, in, in_len, b->out, isize + 1, &used_in, &used_out) : -1;
  if (d) ld_free(d);
  if (result != LIBDEFLATE_SUCCESS || used_in != in_len || used_out != isize) return 0;
  unsigned char md[32];
  unsigned int md_len = 0;
  if (EVP_Digest(b->out, used_out, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32) return 0;
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) { hex[2 * i] = digits[md[i] >> 4]; hex[2 * i + 1] = digits[md[i] & 15]; }
  hex[64] = 0;
  return 1;
}

/* Reads the whole regular file at `path` into b->in; its length, or -1. */
static ssize_t read_file(const char *path, Buffers *b) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  ssize_t total = -1;
  /* One byte more than its size, so a file that grew while read is noticed. */
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= MAX_OUTPUT &&
      reserve(&b->in, &b->in_size, (size_t)st.st_size + 1)) {
    size_t want = (size_t)st.st_size + 1;
    total = 0;
    for (;;) {
      ssize_t n = read(fd, b->in + total, want - (size_t)total);
      if (n < 0) { total = -1; break; }
      if (n == 0) break;
      total += n;
      if ((size_t)total == want) { total = -1; break; }
    }
  }
  close(fd);
  return total;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input_ref; /* bytes jobs: the caller's Uint8Array, kept alive until done */
  const uint8_t *in;
  size_t in_len;
  char *path; /* path jobs */
  int ok;
  char hex[65];
} Job;

static void execute(napi_env env, void *data) {
  (void)env;
  Job *job = data;
  Buffers *b = take_buffers();
  if (!b) { job->ok = 0; return; }
  if (job->path) {
    ssize_t n = read_file(job->path, b);
    job->ok = n >= 0 && hash_gzip(b->in, (size_t)n, b, job->hex);
  } else {
    job->ok = hash_gzip(job->in, job->in_len, b, job->hex);
  }
  give_back_buffers(b);
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = data;
  napi_value value;
  if (status == napi_ok && job->ok) napi_create_string_latin1(env, job->hex, 64, &value);
  else napi_get_null(env, &value);
  napi_resolve_deferred(env, job->deferred, value);
  if (job->input_ref) napi_delete_reference(env, job->input_ref);
  napi_delete_async_work(env, job->work);
  free(job->path);
  free(job);
}

/* Queues `job` on libuv's thread pool; its promise settles in `done`. */
static napi_value queue_work(napi_env env, const char *label, napi_async_execute_callback run, napi_async_complete_callback done,
                             void *job, napi_deferred *deferred, napi_async_work *work) {
  napi_value promise, name;
  napi_create_promise(env, deferred, &promise);
  napi_create_string_utf8(env, label, NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, run, done, job, work);
  napi_queue_async_work(env, *work);
  return promise;
}

static napi_value queue(napi_env env, Job *job) {
  return queue_work(env, "opentrail:sha256OfGzip", execute, complete, job, &job->deferred, &job->work);
}

/* The bytes of a Uint8Array argument; 0 (nothing thrown) when `value` is not one. */
static int uint8_array(napi_env env, napi_value value, void **bytes, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type = napi_int8_array;
  size_t offset = 0;
  napi_value buffer;
  return napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed &&
         napi_get_typedarray_info(env, value, &type, length, bytes, &buffer, &offset) == napi_ok && type == napi_uint8_array;
}

/* null when `ok`, else the reason (what dlopen found, or `fallback`). */
static napi_value reason(napi_env env, int ok, const char *fallback) {
  napi_value value;
  if (ok) napi_get_null(env, &value);
  else napi_create_string_utf8(env, ld_error ? ld_error : fallback, NAPI_AUTO_LENGTH, &value);
  return value;
}

static int usable(napi_env env) {
  if (ld_gzip) return 1;
  napi_throw_error(env, NULL, ld_error ? ld_error : "libdeflate unavailable");
  return 0;
}

/* sha256OfGzip(bytes: Uint8Array): Promise<string | null> */
static napi_value sha256_of_gzip(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t length = 0;
  void *bytes = NULL;
  if (argc < 1 || !uint8_array(env, argv[0], &bytes, &length)) {
    napi_throw_type_error(env, NULL, "sha256OfGzip expects a Uint8Array");
    return NULL;
  }
  if (!usable(env)) return NULL;
  Job *job = calloc(1, sizeof(Job));
  if (!job) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  job->in = bytes;
  job->in_len = length;
  napi_create_reference(env, argv[0], 1, &job->input_ref);
  return queue(env, job);
}

/* sha256OfGzipFile(path: string): Promise<string | null> */
static napi_value sha256_of_gzip_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype kind = napi_undefined;
  size_t length = 0;
  if (argc < 1 || napi_typeof(env, argv[0], &kind) != napi_ok || kind != napi_string ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "sha256OfGzipFile expects a path");
    return NULL;
  }
  if (!usable(env)) return NULL;
  Job *job = calloc(1, sizeof(Job));
  char *path = malloc(length + 1);
  if (!job || !path) { free(job); free(path); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  napi_get_value_string_utf8(env, argv[0], path, length + 1, &length);
  if (strlen(path) != length) { free(job); free(path); napi_throw_type_error(env, NULL, "sha256OfGzipFile: the path contains a NUL"); return NULL; }
  job->path = path;
  return queue(env, job);
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input_ref; /* the caller's Uint8Array, kept alive until done */
  const uint8_t *in;
  size_t in_len;
  int level;
  uint8_t *out; /* malloc'd; handed to the resolved Buffer, which frees it */
  size_t out_len;
} GzipJob;

static void gzip_execute(napi_env env, void *data) {
  (void)env;
  GzipJob *job = data;
  Compressor *k = take_compressor(job->level);
  if (!k) return;
  size_t bound = lc_bound(k->c, job->in_len);
  job->out = malloc(bound ? bound : 1);
  if (job->out) job->out_len = lc_gzip(k->c, job->in, job->in_len, job->out, bound);
  give_back_compressor(k);
  if (job->out_len == 0) { free(job->out); job->out = NULL; }
}

static void free_output(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void gzip_complete(napi_env env, napi_status status, void *data) {
  GzipJob *job = data;
  napi_value value = NULL;
  if (status == napi_ok && job->out) {
    if (napi_create_external_buffer(env, job->out_len, job->out, free_output, NULL, &value) == napi_ok) {
      job->out = NULL; /* the Buffer owns it now */
    } else {
      /* Runtimes that refuse external buffers get a copy. */
      void *copy = NULL;
      if (napi_create_buffer_copy(env, job->out_len, job->out, &copy, &value) != napi_ok) value = NULL;
    }
  }
  if (value) {
    napi_resolve_deferred(env, job->deferred, value);
  } else {
    napi_value message, error;
    napi_create_string_utf8(env, "gzip failed (out of memory)", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, job->deferred, error);
  }
  napi_delete_reference(env, job->input_ref);
  napi_delete_async_work(env, job->work);
  free(job->out);
  free(job);
}

/* gzip(bytes: Uint8Array, level: number): Promise<Buffer> */
static napi_value gzip_bytes(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t length = 0;
  void *bytes = NULL;
  int32_t level = 0;
  if (argc < 2 || !uint8_array(env, argv[0], &bytes, &length) || napi_get_value_int32(env, argv[1], &level) != napi_ok || level < 0 || level > 12) {
    napi_throw_type_error(env, NULL, "gzip expects a Uint8Array and a level from 0 to 12");
    return NULL;
  }
  if (!lc_gzip) {
    napi_throw_error(env, NULL, ld_error ? ld_error : "libdeflate's compressor is unavailable");
    return NULL;
  }
  GzipJob *job = calloc(1, sizeof(GzipJob));
  if (!job) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  job->in = bytes;
  job->in_len = length;
  job->level = level;
  napi_create_reference(env, argv[0], 1, &job->input_ref);
  return queue_work(env, "opentrail:gzip", gzip_execute, gzip_complete, job, &job->deferred, &job->work);
}

/* gzipUnavailableReason(): string | null */
static napi_value gzip_unavailable_reason(napi_env env, napi_callback_info info) {
  (void)info;
  return reason(env, lc_gzip != NULL, "libdeflate.so.0 lacks its gzip compressor");
}

/* unavailableReason(): string | null — null when the fast path works, else why not. */
static napi_value unavailable_reason(napi_env env, napi_callback_info info) {
  (void)info;
  return reason(env, ld_gzip != NULL, "libdeflate unavailable");
}

NAPI_MODULE_INIT() {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, open_libdeflate); /* worker threads load the addon too */
  napi_value fn;
  napi_create_function(env, "sha256OfGzip", NAPI_AUTO_LENGTH, sha256_of_gzip, NULL, &fn);
  napi_set_named_property(env, exports, "sha256OfGzip", fn);
  napi_create_function(env, "sha256OfGzipFile", NAPI_AUTO_LENGTH, sha256_of_gzip_file, NULL, &fn);
  napi_set_named_property(env, exports, "sha256OfGzipFile", fn);
  napi_create_function(env, "unavailableReason", NAPI_AUTO_LENGTH, unavailable_reason, NULL, &fn);
  napi_set_named_property(env, exports, "unavailableReason", fn);
  napi_create_function(env, "gzip", NAPI_AUTO_LENGTH, gzip_bytes, NULL, &fn);
  napi_set_named_property(env, exports, "gzip", fn);
  napi_create_function(env, "gzipUnavailableReason", NAPI_AUTO_LENGTH, gzip_unavailable_reason, NULL, &fn);
  napi_set_named_property(env, exports, "gzipUnavailableReason", fn);
  return exports;
}
