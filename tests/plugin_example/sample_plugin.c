/*
 * libsilica-sample.so: a complete, if tiny, Silica device plugin written in plain C
 * against include/silica/plugin.h alone.
 *
 * One device of kind OTHER whose "device memory" is host memory from the C allocator.
 * It runs FILL, COPY, CAST, NEG, ADD and MUL on f32/f64 tensors of any strides, and
 * says no to everything else through supports(), so the core reports the missing op
 * (or, with SILICA_CPU_FALLBACK=1, runs it on the CPU).
 *
 * Work is done at once, inside run(); a real GPU plugin would enqueue it there and
 * wait in synchronize() and copy_to_host().
 *
 * Built with SAMPLE_AS_CPU the same code calls itself "samplecpu" and reports a CPU-kind
 * device, as a software GPU such as Mesa lavapipe does.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silica/plugin.h"

#ifdef SAMPLE_AS_CPU
#define PLUGIN_NAME "samplecpu"
#define DEVICE_NAME "Sample host-memory device posing as a CPU"
#define DEVICE_KIND SILICA_DEVICE_CPU
#else
#define PLUGIN_NAME "sample"
#define DEVICE_NAME "Sample host-memory device"
#define DEVICE_KIND SILICA_DEVICE_OTHER
#endif

/* The memory this device claims to have; alloc refuses to go beyond it, so the core's
   out-of-memory path can be tested without exhausting the machine. */
#define MEMORY_BYTES (UINT64_C(2) << 30)
/* Every buffer starts with a header holding its size (to account for it in free). The
   header keeps the data 64-byte aligned. */
#define HEADER_BYTES 64

#define DTYPE_MASK ((1u << SILICA_F32) | (1u << SILICA_F64))

static int dtype_ok(int32_t dtype) {
  return dtype >= 0 && dtype < SILICA_DTYPE_COUNT && ((DTYPE_MASK >> dtype) & 1u);
}

typedef struct SampleState {
  atomic_uint_fast64_t bytes_in_use;
} SampleState;

static SampleState g_state;
static _Thread_local char g_error[256];

static SilicaStatus fail(SilicaStatus status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(g_error, sizeof g_error, format, args);
  va_end(args);
  return status;
}

static const char* last_error(void* context) { return g_error; }

/* ---- Devices ---- */

static int32_t device_count(void* context) { return 1; }

static SilicaStatus device_info(void* context, int32_t device, SilicaDeviceInfo* out) {
  if (device != 0)
    return fail(SILICA_ERROR_INVALID, "%s has one device, 0; asked for %d", PLUGIN_NAME, device);
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", DEVICE_NAME);
  out->kind = DEVICE_KIND;
  out->memory_bytes = MEMORY_BYTES;
  out->unified_memory = 1;
  out->dtype_mask = DTYPE_MASK;
  return SILICA_OK;
}

/* ---- Memory ---- */

static SilicaStatus alloc(void* context, int32_t device, uint64_t bytes, void** out_buffer) {
  SampleState* state = context;
  uint64_t in_use = atomic_fetch_add(&state->bytes_in_use, bytes);
  if (in_use + bytes > MEMORY_BYTES) {
    atomic_fetch_sub(&state->bytes_in_use, bytes);
    return fail(SILICA_ERROR_OUT_OF_MEMORY,
                "out of sample device memory: requested %llu bytes, %llu in use of %llu",
                (unsigned long long)bytes, (unsigned long long)in_use, (unsigned long long)MEMORY_BYTES);
  }
  uint64_t rounded = (bytes + HEADER_BYTES - 1) / HEADER_BYTES * HEADER_BYTES;
  char* block = aligned_alloc(HEADER_BYTES, HEADER_BYTES + rounded);
  if (!block) {
    atomic_fetch_sub(&state->bytes_in_use, bytes);
    return fail(SILICA_ERROR_OUT_OF_MEMORY, "malloc of %llu bytes failed", (unsigned long long)bytes);
  }
  memcpy(block, &bytes, sizeof bytes);
  *out_buffer = block + HEADER_BYTES;
  return SILICA_OK;
}

static void free_buffer(void* context, int32_t device, void* buffer) {
  SampleState* state = context;
  if (!buffer) return;
  char* block = (char*)buffer - HEADER_BYTES;
  uint64_t bytes;
  memcpy(&bytes, block, sizeof bytes);
  atomic_fetch_sub(&state->bytes_in_use, bytes);
  free(block);
}

static SilicaStatus copy_to_device(void* context, int32_t device, void* dst, uint64_t dst_offset,
                                   const void* src, uint64_t bytes) {
  memcpy((char*)dst + dst_offset, src, bytes);
  return SILICA_OK;
}

static SilicaStatus copy_to_host(void* context, int32_t device, void* dst, const void* src,
                                 uint64_t src_offset, uint64_t bytes) {
  memcpy(dst, (const char*)src + src_offset, bytes);
  return SILICA_OK;
}

static SilicaStatus copy_device(void* context, int32_t device, void* dst, uint64_t dst_offset,
                                const void* src, uint64_t src_offset, uint64_t bytes) {
  memmove((char*)dst + dst_offset, (const char*)src + src_offset, bytes);
  return SILICA_OK;
}

/* Nothing is ever pending: run() finishes its work before returning. */
static SilicaStatus synchronize(void* context, int32_t device) { return SILICA_OK; }

/* ---- Strided walking ---- */

/* Visits the elements of a shape in row-major order, keeping each operand's element
   offset. Operands share the shape but each has its own strides (0 on broadcast axes). */
typedef struct Walk {
  int ndim;
  const int64_t* shape;
  int64_t index[SILICA_MAX_DIMS];
  int count;                 /* operands */
  const int64_t* strides[3]; /* per operand */
  int64_t offset[3];         /* per operand, in elements */
} Walk;

static Walk walk_start(const SilicaTensorDesc* y, const SilicaTensorDesc* a, const SilicaTensorDesc* b) {
  Walk w;
  memset(&w, 0, sizeof w);
  w.ndim = y->ndim;
  w.shape = y->shape;
  const SilicaTensorDesc* ops[3] = {y, a, b};
  for (int k = 0; k < 3 && ops[k]; ++k) w.strides[w.count++] = ops[k]->strides;
  return w;
}

static void walk_next(Walk* w) {
  for (int d = w->ndim - 1; d >= 0; --d) {
    for (int k = 0; k < w->count; ++k) w->offset[k] += w->strides[k][d];
    if (++w->index[d] < w->shape[d]) return;
    for (int k = 0; k < w->count; ++k) w->offset[k] -= w->strides[k][d] * w->shape[d];
    w->index[d] = 0;
  }
}

static int64_t numel(const SilicaTensorDesc* d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; ++i) n *= d->shape[i];
  return n;
}

static size_t dtype_size(int32_t dtype) { return dtype == SILICA_F64 ? 8 : 4; }

static char* element(const SilicaTensorDesc* d, int64_t offset) {
  return (char*)d->buffer + d->offset + offset * (int64_t)dtype_size(d->dtype);
}

/* f32 values go through double: for + and * that still rounds to the nearest float
   (double has more than 2*24+2 bits), so results match the CPU backend exactly. */
static double load(const SilicaTensorDesc* d, int64_t offset) {
  const char* p = element(d, offset);
  if (d->dtype == SILICA_F64) return *(const double*)p;
  return *(const float*)p;
}

static void store(const SilicaTensorDesc* d, int64_t offset, double v) {
  char* p = element(d, offset);
  if (d->dtype == SILICA_F64)
    *(double*)p = v;
  else
    *(float*)p = (float)v;
}

/* ---- Ops ---- */

static int is_supported_op(int32_t op) {
  switch (op) {
    case SILICA_OP_FILL:
    case SILICA_OP_COPY:
    case SILICA_OP_CAST:
    case SILICA_OP_NEG:
    case SILICA_OP_ADD:
    case SILICA_OP_MUL: return 1;
    default: return 0;
  }
}

static int32_t supports(void* context, int32_t device, int32_t op, int32_t dtype) {
  return device == 0 && is_supported_op(op) && dtype_ok(dtype);
}

static SilicaStatus run(void* context, int32_t device, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                        const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* attrs) {
  if (!is_supported_op(op))
    return fail(SILICA_ERROR_UNSUPPORTED, "%s has no kernel for op %d", PLUGIN_NAME, op);
  int32_t want_in = op == SILICA_OP_FILL ? 0 : (op == SILICA_OP_ADD || op == SILICA_OP_MUL) ? 2 : 1;
  if (num_in != want_in || num_out != 1)
    return fail(SILICA_ERROR_INVALID, "op %d takes %d inputs and 1 output, got %d and %d", op, want_in,
                num_in, num_out);
  for (int i = 0; i < num_in; ++i)
    if (!dtype_ok(in[i].dtype))
      return fail(SILICA_ERROR_UNSUPPORTED, "no f32/f64 input: dtype %d", in[i].dtype);
  if (!dtype_ok(out->dtype)) return fail(SILICA_ERROR_UNSUPPORTED, "no f32/f64 output: dtype %d", out->dtype);

  const SilicaTensorDesc* a = num_in > 0 ? &in[0] : NULL;
  const SilicaTensorDesc* b = num_in > 1 ? &in[1] : NULL;
  Walk w = walk_start(out, a, b);
  int64_t n = numel(out);
  for (int64_t i = 0; i < n; ++i, walk_next(&w)) {
    switch (op) {
      case SILICA_OP_FILL: store(out, w.offset[0], attrs->floats[0]); break;
      case SILICA_OP_COPY: /* same dtype: move the bytes, so NaN payloads survive */
        memcpy(element(out, w.offset[0]), element(a, w.offset[1]), dtype_size(out->dtype));
        break;
      case SILICA_OP_CAST: store(out, w.offset[0], load(a, w.offset[1])); break;
      case SILICA_OP_NEG: store(out, w.offset[0], -load(a, w.offset[1])); break;
      case SILICA_OP_ADD: store(out, w.offset[0], load(a, w.offset[1]) + load(b, w.offset[2])); break;
      case SILICA_OP_MUL: store(out, w.offset[0], load(a, w.offset[1]) * load(b, w.offset[2])); break;
    }
  }
  return SILICA_OK;
}

/* ---- Entry point ---- */

__attribute__((visibility("default"))) int silica_plugin_init(uint32_t core_abi_version,
                                                              SilicaDeviceApi* out) {
  memset(out, 0, sizeof *out);
  if (SILICA_ABI_MAJOR(core_abi_version) != SILICA_ABI_VERSION_MAJOR) {
    snprintf(out->error, sizeof out->error,
             "built for Silica plugin ABI %d.%d but the core speaks ABI %u.%u; rebuild the plugin",
             SILICA_ABI_VERSION_MAJOR, SILICA_ABI_VERSION_MINOR, SILICA_ABI_MAJOR(core_abi_version),
             core_abi_version & 0xffffu);
    return 1;
  }
  out->abi_version = SILICA_ABI_VERSION;
  out->name = PLUGIN_NAME;
  out->context = &g_state;
  out->device_count = device_count;
  out->device_info = device_info;
  out->alloc = alloc;
  out->free = free_buffer;
  out->copy_to_device = copy_to_device;
  out->copy_to_host = copy_to_host;
  out->copy_device = copy_device;
  out->synchronize = synchronize;
  out->flush = NULL;
  out->supports = supports;
  out->run = run;
  out->last_error = last_error;
  out->shutdown = NULL;
  return 0;
}
