// The built-in CPU device, registered through the same C table as any plugin.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "allocator.h"
#include "blas.h"
#include "kernel.h"

namespace silica::cpu {

namespace {

struct Entry {
  KernelFn fn = nullptr;
  uint32_t dtype_mask = 0;
};
constexpr int kMaxOps = 512;
Entry g_kernels[kMaxOps];
thread_local std::string g_last_error;

int32_t device_count(void*) { return 1; }

SilicaStatus device_info(void*, int32_t device, SilicaDeviceInfo* out) {
  if (device != 0) return set_error(SILICA_ERROR_INVALID, "the CPU backend has one device, 0");
  std::memset(out, 0, sizeof *out);
  const char* core = blas().corename ? blas().corename() : nullptr;
  std::snprintf(out->name, sizeof out->name, "CPU (%d threads, OpenBLAS %s)", num_threads(), core ? core : "?");
  out->kind = SILICA_DEVICE_CPU;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  out->memory_bytes = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
  out->unified_memory = 1;
  out->dtype_mask = kAllDTypes;
  return SILICA_OK;
}

SilicaStatus alloc(void*, int32_t, uint64_t bytes, void** out) {
  *out = cached_alloc(bytes);
  if (!*out)
    return set_error(SILICA_ERROR_OUT_OF_MEMORY,
                     "out of host memory: requested " + std::to_string(bytes) + " bytes, " +
                         std::to_string(bytes_in_use()) + " in use");
  return SILICA_OK;
}

void free_buffer(void*, int32_t, void* buffer) { cached_free(buffer); }

SilicaStatus copy_to_device(void*, int32_t, void* dst, uint64_t dst_offset, const void* src, uint64_t bytes) {
  std::memcpy(static_cast<char*>(dst) + dst_offset, src, bytes);
  return SILICA_OK;
}

SilicaStatus copy_to_host(void*, int32_t, void* dst, const void* src, uint64_t src_offset, uint64_t bytes) {
  std::memcpy(dst, static_cast<const char*>(src) + src_offset, bytes);
  return SILICA_OK;
}

SilicaStatus copy_device(void*, int32_t, void* dst, uint64_t dst_offset, const void* src, uint64_t src_offset,
                         uint64_t bytes) {
  std::memmove(static_cast<char*>(dst) + dst_offset, static_cast<const char*>(src) + src_offset, bytes);
  return SILICA_OK;
}

SilicaStatus synchronize(void*, int32_t) { return SILICA_OK; }

int32_t supports(void*, int32_t, int32_t op, int32_t dtype) {
  if (op < 0 || op >= kMaxOps || dtype < 0 || dtype >= SILICA_DTYPE_COUNT) return 0;
  return (g_kernels[op].dtype_mask >> dtype) & 1u;
}

SilicaStatus run(void*, int32_t, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                 const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* attrs) {
  if (op < 0 || op >= kMaxOps || !g_kernels[op].fn)
    return set_error(SILICA_ERROR_UNSUPPORTED, "op " + std::to_string(op) + " has no CPU kernel");
  return g_kernels[op].fn(in, num_in, out, num_out, attrs);
}

const char* last_error(void*) { return g_last_error.c_str(); }

}  // namespace

void register_kernel(int32_t op, KernelFn fn, uint32_t dtype_mask) {
  g_kernels[op].fn = fn;
  g_kernels[op].dtype_mask = dtype_mask;
}

SilicaStatus set_error(SilicaStatus status, const std::string& message) {
  g_last_error = message;
  return status;
}

}  // namespace silica::cpu

extern "C" int silica_cpu_plugin_init(uint32_t core_abi_version, SilicaDeviceApi* out) {
  using namespace silica::cpu;
  if (SILICA_ABI_MAJOR(core_abi_version) != SILICA_ABI_VERSION_MAJOR) {
    std::snprintf(out->error, sizeof out->error, "CPU backend speaks ABI %d", SILICA_ABI_VERSION_MAJOR);
    return 1;
  }
  std::string blas_error;
  if (!load_blas(&blas_error)) {
    std::snprintf(out->error, sizeof out->error, "%s", blas_error.c_str());
    return 1;
  }
  static std::once_flag once;
  std::call_once(once, [] {
    register_elementwise_kernels();
    register_reduce_kernels();
    register_matmul_kernels();
    register_conv_kernels();
    register_pool_kernels();
    register_softmax_kernels();
    register_index_kernels();
    register_random_kernels();
    register_optim_kernels();
  });
  out->abi_version = SILICA_ABI_VERSION;
  out->name = "cpu";
  out->context = nullptr;
  out->device_count = device_count;
  out->device_info = device_info;
  out->alloc = alloc;
  out->free = free_buffer;
  out->copy_to_device = copy_to_device;
  out->copy_to_host = copy_to_host;
  out->copy_device = copy_device;
  out->synchronize = synchronize;
  out->flush = nullptr;
  out->supports = supports;
  out->run = run;
  out->last_error = last_error;
  out->shutdown = nullptr;
  out->error[0] = '\0';
  return 0;
}
