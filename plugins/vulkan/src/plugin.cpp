// libsilica-vulkan.so: the Silica device ABI (include/silica/plugin.h) over Vulkan.
// One Silica device per Vulkan physical device that has a compute queue and Vulkan 1.1,
// best kind first (a discrete GPU is vulkan:0 even where Mesa's lavapipe is installed).
//
// Environment:
//   SILICA_VULKAN_VALIDATION=1  enable the Khronos validation layer; any message fails the op
//   (the layer enabled through VK_INSTANCE_LAYERS is noticed and treated the same way)
//   SILICA_VULKAN_VERBOSE=1     print validation messages and device features as they arrive
//   SILICA_VULKAN_PROFILE=1     print each device's dispatch / barrier / wait counts at exit
//   SILICA_VULKAN_PROFILE=kernels  also the GPU time of each shader (timestamps; serializes commands)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "device.h"
#include "instance.h"
#include "kernels.h"
#include "silica/plugin.h"
#include "status.h"

namespace silica::vk {

namespace {

struct Plugin {
  Instance* instance = nullptr;
  std::vector<std::unique_ptr<Device>> devices;
};

Plugin* g_plugin = nullptr;

Device* device_at(void* context, int32_t index) {
  auto* p = static_cast<Plugin*>(context);
  if (!p || index < 0 || index >= static_cast<int32_t>(p->devices.size())) {
    fail(SILICA_ERROR_INVALID, "vulkan has no device " + std::to_string(index));
    return nullptr;
  }
  return p->devices[index].get();
}

// Runs fn(device) under the device's lock once the device is up, then turns any
// validation message recorded meanwhile into the call's error.
template <typename F>
SilicaStatus with_device(void* context, int32_t index, F&& fn) {
  Device* d = device_at(context, index);
  if (!d) return SILICA_ERROR_INVALID;
  std::lock_guard<std::mutex> lock(d->mutex());
  SILICA_VK_TRY(d->ready());
  SilicaStatus st = fn(*d);
  SilicaStatus v = d->validation_error();
  return st != SILICA_OK ? st : v;
}

int32_t device_count(void* context) { return static_cast<int32_t>(static_cast<Plugin*>(context)->devices.size()); }

SilicaStatus device_info(void* context, int32_t device, SilicaDeviceInfo* out) {
  Device* d = device_at(context, device);
  if (!d) return SILICA_ERROR_INVALID;
  *out = d->physical().info;
  return SILICA_OK;
}

SilicaStatus alloc(void* context, int32_t device, uint64_t bytes, void** out) {
  return with_device(context, device, [&](Device& d) {
    Buffer* b = nullptr;
    SILICA_VK_TRY(d.allocate(bytes, &b));
    *out = b;
    return SILICA_OK;
  });
}

void free_buffer(void* context, int32_t device, void* buffer) {
  Device* d = device_at(context, device);
  if (!d || !buffer) return;
  std::lock_guard<std::mutex> lock(d->mutex());
  d->allocator().release(static_cast<Buffer*>(buffer));
}

SilicaStatus copy_to_device(void* context, int32_t device, void* dst, uint64_t dst_offset, const void* src,
                            uint64_t bytes) {
  return with_device(context, device,
                     [&](Device& d) { return d.upload(static_cast<Buffer*>(dst), dst_offset, src, bytes); });
}

SilicaStatus copy_to_host(void* context, int32_t device, void* dst, const void* src, uint64_t src_offset,
                          uint64_t bytes) {
  return with_device(context, device,
                     [&](Device& d) { return d.download(dst, static_cast<const Buffer*>(src), src_offset, bytes); });
}

SilicaStatus copy_device(void* context, int32_t device, void* dst, uint64_t dst_offset, const void* src,
                         uint64_t src_offset, uint64_t bytes) {
  return with_device(context, device, [&](Device& d) {
    return d.copy(static_cast<Buffer*>(dst), dst_offset, static_cast<const Buffer*>(src), src_offset, bytes);
  });
}

SilicaStatus synchronize(void* context, int32_t device) {
  return with_device(context, device, [](Device& d) { return d.synchronize(); });
}

SilicaStatus flush(void* context, int32_t device) {
  return with_device(context, device, [](Device& d) { return d.flush(); });
}

int32_t supports(void* context, int32_t device, int32_t op, int32_t dtype) {
  Device* d = device_at(context, device);
  if (!d || dtype < 0 || dtype >= SILICA_DTYPE_COUNT) return 0;
  if (!((d->physical().info.dtype_mask >> dtype) & 1u)) return 0;
  return op_supported(d->physical().features, op, dtype) ? 1 : 0;
}

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

SilicaStatus run(void* context, int32_t device, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                 const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* attrs) {
  return with_device(context, device, [&](Device& d) {
    const double t0 = seconds();
    SilicaStatus st = run_op(d, op, in, num_in, out, num_out, attrs);
    d.stats().record_s += seconds() - t0;
    return st;
  });
}

// SILICA_VULKAN_PROFILE=1: what each device did, at exit.
void print_profile() {
  if (!g_plugin) return;
  for (auto& d : g_plugin->devices) {
    const DeviceStats& s = d->stats();
    if (s.dispatches + s.copies == 0) continue;
    std::fprintf(stderr,
                 "silica vulkan profile, %s: %llu dispatches, %llu copies, %llu barriers, %llu submits, %llu syncs; "
                 "%.1f MB up, %.1f MB down; %.3f s recording ops (%.3f s of it creating %zu pipelines), "
                 "%.3f s waiting for the device\n",
                 d->label().c_str(), static_cast<unsigned long long>(s.dispatches),
                 static_cast<unsigned long long>(s.copies), static_cast<unsigned long long>(s.barriers),
                 static_cast<unsigned long long>(s.submits), static_cast<unsigned long long>(s.syncs),
                 static_cast<double>(s.upload_bytes) / 1e6, static_cast<double>(s.download_bytes) / 1e6, s.record_s,
                 d->pipelines().create_seconds(), d->pipelines().created(), s.wait_s);
    const std::string kernels = d->kernel_report();
    if (!kernels.empty()) std::fprintf(stderr, "GPU time per shader (commands serialized while timed):\n%s", kernels.c_str());
  }
}

const char* last_error(void*) { return last_error_text(); }

void shutdown(void* context) {
  auto* p = static_cast<Plugin*>(context);
  if (!p) return;
  p->devices.clear();
  delete p->instance;
  p->instance = nullptr;
}

}  // namespace

}  // namespace silica::vk

extern "C" __attribute__((visibility("default"))) int silica_plugin_init(uint32_t core_abi_version,
                                                                         SilicaDeviceApi* out) {
  using namespace silica::vk;
  std::memset(out, 0, sizeof *out);
  if (SILICA_ABI_MAJOR(core_abi_version) != SILICA_ABI_VERSION_MAJOR) {
    std::snprintf(out->error, sizeof out->error,
                  "built for Silica plugin ABI %d.%d but the core speaks ABI %u.%u; rebuild the plugin",
                  SILICA_ABI_VERSION_MAJOR, SILICA_ABI_VERSION_MINOR, SILICA_ABI_MAJOR(core_abi_version),
                  core_abi_version & 0xffffu);
    return 1;
  }
  static std::once_flag once;
  static std::string why;
  std::call_once(once, [] {
    Instance* instance = Instance::create(&why);
    if (!instance) return;
    g_plugin = new Plugin();  // lives until shutdown(); devices keep pointers into it
    g_plugin->instance = instance;
    auto& physical = instance->devices();
    for (size_t i = 0; i < physical.size(); ++i)
      g_plugin->devices.push_back(std::make_unique<Device>(instance, &physical[i], static_cast<int>(i)));
    if (std::getenv("SILICA_VULKAN_PROFILE")) std::atexit(print_profile);
  });
  if (!g_plugin) {
    std::snprintf(out->error, sizeof out->error, "%s", why.c_str());
    return 1;
  }
  out->abi_version = SILICA_ABI_VERSION;
  out->name = "vulkan";
  out->context = g_plugin;
  out->device_count = device_count;
  out->device_info = device_info;
  out->alloc = alloc;
  out->free = free_buffer;
  out->copy_to_device = copy_to_device;
  out->copy_to_host = copy_to_host;
  out->copy_device = copy_device;
  out->synchronize = synchronize;
  out->flush = flush;
  out->supports = supports;
  out->run = run;
  out->last_error = last_error;
  out->shutdown = shutdown;
  return 0;
}
