// Node binding of tree_hash_file: hashFile(fd, size, threads, blockChunks, directReads, progress?) → Promise.
// The hashing runs off the event loop (a libuv pool thread plus threads - 1 of its own);
// progress, when given, is a BigUint64Array over a SharedArrayBuffer that the threads add to.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "stat-files.h"
#include "tree-hash.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref progress_ref;
  tree_hash_job job;
  tree_hash_result result;
} hash_call;

static void execute(napi_env env, void *data) {
  (void)env;
  hash_call *call = data;
  tree_hash_file(&call->job, &call->result);
}

static void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, object, name, v);
}

static void complete(napi_env env, napi_status status, void *data) {
  hash_call *call = data;
  if (status != napi_ok || call->result.error) {
    int code = status != napi_ok ? ECANCELED : call->result.error;
    napi_value message, error, code_value;
    napi_create_string_utf8(env, strerror(code), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    set_number(env, error, "errno", code);
    napi_create_string_utf8(env, "EHASHREAD", NAPI_AUTO_LENGTH, &code_value);
    napi_set_named_property(env, error, "code", code_value);
    napi_reject_deferred(env, call->deferred, error);
  } else {
    static const char digits[] = "0123456789abcdef";
    char hex[65];
    for (int i = 0; i < 32; i++) {
      hex[2 * i] = digits[call->result.hash[i] >> 4];
      hex[2 * i + 1] = digits[call->result.hash[i] & 15];
    }
    hex[64] = 0;
    napi_value out, hex_value;
    napi_create_object(env, &out);
    napi_create_string_utf8(env, hex, 64, &hex_value);
    napi_set_named_property(env, out, "hex", hex_value);
    set_number(env, out, "bytes", (double)call->result.bytes);
    napi_resolve_deferred(env, call->deferred, out);
  }
  if (call->progress_ref) napi_delete_reference(env, call->progress_ref);
  napi_delete_async_work(env, call->work);
  free(call);
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value hash_file(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type_error(env, "hashFile(fd, size, threads, blockChunks, directReads, progress?)");
  int32_t fd, threads;
  uint32_t block_chunks;
  double size;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return throw_type_error(env, "fd must be a file descriptor");
  if (napi_get_value_double(env, argv[1], &size) != napi_ok || size < 0 || size > 9007199254740991.0)
    return throw_type_error(env, "size must be a byte count");
  if (napi_get_value_int32(env, argv[2], &threads) != napi_ok || threads < 1) return throw_type_error(env, "threads must be 1 or more");
  if (napi_get_value_uint32(env, argv[3], &block_chunks) != napi_ok || block_chunks == 0 || (block_chunks & (block_chunks - 1)) != 0)
    return throw_type_error(env, "blockChunks must be a power of two");
  bool direct_reads;
  if (napi_get_value_bool(env, argv[4], &direct_reads) != napi_ok) return throw_type_error(env, "directReads must be a boolean");

  hash_call *call = calloc(1, sizeof *call);
  if (!call) return throw_type_error(env, "out of memory");
  call->job.fd = fd;
  call->job.size = (uint64_t)size;
  call->job.threads = threads;
  call->job.block_chunks = block_chunks;
  call->job.direct_reads = direct_reads;

  napi_valuetype progress_type = napi_undefined;
  if (argc >= 6) napi_typeof(env, argv[5], &progress_type);
  if (progress_type != napi_undefined && progress_type != napi_null) {
    napi_typedarray_type type;
    size_t length;
    void *data;
    bool is_typed = false;
    napi_is_typedarray(env, argv[5], &is_typed);
    if (!is_typed || napi_get_typedarray_info(env, argv[5], &type, &length, &data, NULL, NULL) != napi_ok ||
        type != napi_biguint64_array || length < 1) {
      free(call);
      return throw_type_error(env, "progress must be a BigUint64Array");
    }
    call->job.bytes_done = (_Atomic uint64_t *)data;
    napi_create_reference(env, argv[5], 1, &call->progress_ref);
  }

  napi_value promise, name;
  napi_create_promise(env, &call->deferred, &promise);
  napi_create_string_utf8(env, "railyard:native-files", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, call, &call->work);
  napi_queue_async_work(env, call->work);
  return promise;
}

// statFiles(prefix, names joined by '\0', sizes: Float64Array, codes: Int32Array) → markers joined
// by '\n' ('' for a file that is not one). Runs on the calling thread: each lstat is microseconds.
static napi_value stat_files(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throw_type_error(env, "statFiles(prefix, names, sizes, codes)");
  size_t prefix_len, names_len;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &prefix_len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], NULL, 0, &names_len) != napi_ok)
    return throw_type_error(env, "prefix and names must be strings");
  napi_typedarray_type sizes_type, codes_type;
  size_t sizes_len, codes_len;
  void *sizes_data, *codes_data;
  if (napi_get_typedarray_info(env, argv[2], &sizes_type, &sizes_len, &sizes_data, NULL, NULL) != napi_ok || sizes_type != napi_float64_array ||
      napi_get_typedarray_info(env, argv[3], &codes_type, &codes_len, &codes_data, NULL, NULL) != napi_ok || codes_type != napi_int32_array)
    return throw_type_error(env, "sizes must be a Float64Array and codes an Int32Array");

  char *text = malloc(prefix_len + names_len + 2);
  if (!text) return throw_type_error(env, "out of memory");
  napi_get_value_string_utf8(env, argv[0], text, prefix_len + 1, &prefix_len);
  char *names = text + prefix_len + 1;
  napi_get_value_string_utf8(env, argv[1], names, names_len + 1, &names_len);
  size_t files = names_len == 0 ? 0 : 1;
  for (size_t i = 0; i < names_len; i++) files += names[i] == 0;
  if (sizes_len < files || codes_len < files) {
    free(text);
    return throw_type_error(env, "sizes and codes need one entry per name");
  }
  char *markers = malloc(files * MARKER_MAX + 1);
  char *path = malloc(prefix_len + names_len + 1);
  if (!markers || !path) {
    free(text);
    free(markers);
    free(path);
    return throw_type_error(env, "out of memory");
  }
  memcpy(path, text, prefix_len);
  size_t out = 0;
  const char *name = names;
  for (size_t i = 0; i < files; i++) {
    size_t len = strlen(name);
    memcpy(path + prefix_len, name, len + 1);
    char marker[MARKER_MAX];
    double size = 0;
    int code = stat_file(path, &size, marker);
    ((int32_t *)codes_data)[i] = code;
    ((double *)sizes_data)[i] = size;
    if (i > 0) markers[out++] = '\n';
    if (code == 0) {
      size_t m = strlen(marker);
      memcpy(markers + out, marker, m);
      out += m;
    }
    name += len + 1;
  }
  napi_value result;
  napi_create_string_utf8(env, markers, out, &result);
  free(text);
  free(markers);
  free(path);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "hashFile", NAPI_AUTO_LENGTH, hash_file, NULL, &fn);
  napi_set_named_property(env, exports, "hashFile", fn);
  napi_create_function(env, "statFiles", NAPI_AUTO_LENGTH, stat_files, NULL, &fn);
  napi_set_named_property(env, exports, "statFiles", fn);
  return exports;
}
