// One Silica device on one Vulkan physical device: the logical device and its compute
// queue, and the command stream every op is recorded into.
//
// Work is batched: dispatches and copies are recorded into the command buffer of the
// current frame and submitted only at a sync point (download, synchronize, flush) or when
// the frame fills up (commands, parameter space, staging space). Three frames rotate, so
// the host records the next batch while the device runs the previous ones.
//
// Ordering inside a batch: every recorded command declares the buffer ranges it reads and
// writes; a memory barrier is recorded before a command only when one of its ranges
// overlaps a range written (or, for its writes, read) since the last barrier, so
// independent dispatches may overlap on the device. Each frame starts with a barrier that
// orders it after all earlier submissions.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "allocator.h"
#include "instance.h"
#include "kernel_timer.h"
#include "pipelines.h"

namespace silica::vk {

/// A host-visible, host-coherent buffer, mapped for its whole life.
struct HostBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint8_t* mapped = nullptr;
  uint64_t size = 0;
};

/// A range of a buffer a command reads or writes.
struct BufferUse {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t offset = 0;
  uint64_t size = 0;
  bool write = false;
};

/// Tensor bindings a dispatch may have (descriptor bindings 1..kMaxTensors).
constexpr int kMaxTensors = 6;
/// Bytes of parameters a dispatch may have (binding 0, a uniform buffer of ivec4[32]).
constexpr uint32_t kParamBytes = 512;

/// Everything one compute dispatch needs.
struct DispatchInfo {
  VkPipeline pipeline = VK_NULL_HANDLE;
  const char* name = "";  // the shader, for SILICA_VULKAN_PROFILE=kernels
  BufferUse tensors[kMaxTensors];
  int num_tensors = 0;
  bool status = false;  // bind the status word (binding 7)
  const void* params = nullptr;
  uint32_t param_bytes = 0;
  uint32_t groups[3] = {1, 1, 1};
};

/// What a kernel reported through the status word (see shaders/common/status.glsl).
struct KernelReport {
  uint32_t code;  // 0 none, 1 index out of range, 2 class target out of range
  int32_t op;
  uint32_t value_lo, value_hi;
  int32_t axis, size;
};

/// Counters for SILICA_VULKAN_PROFILE (printed at exit by plugin.cpp).
struct DeviceStats {
  uint64_t dispatches = 0, copies = 0, barriers = 0, submits = 0, syncs = 0;
  uint64_t upload_bytes = 0, download_bytes = 0;
  double wait_s = 0;    // host time blocked on fences
  double record_s = 0;  // host time inside run(): building and recording dispatches
};

class Device {
 public:
  Device(Instance* instance, PhysicalDevice* physical, int index);
  ~Device();

  /// Every entry point holds this while it works (the core may call from several threads).
  std::mutex& mutex() { return mu_; }
  /// Creates the logical device, queue, frames, allocator and pipelines on first use.
  SilicaStatus ready();

  const PhysicalDevice& physical() const { return *physical_; }
  const VkPhysicalDeviceLimits& limits() const { return physical_->properties.limits; }
  Pipelines& pipelines() { return pipelines_; }
  Allocator& allocator() { return allocator_; }
  /// "vulkan:0 (NVIDIA H100 80GB HBM3)", for messages.
  const std::string& label() const { return label_; }

  /// Allocates device memory; when it runs out, waits for the device, releases the cached
  /// blocks no tensor uses and tries once more.
  SilicaStatus allocate(uint64_t bytes, Buffer** out);
  SilicaStatus upload(Buffer* dst, uint64_t offset, const void* src, uint64_t bytes);
  SilicaStatus download(void* dst, const Buffer* src, uint64_t offset, uint64_t bytes);
  SilicaStatus copy(Buffer* dst, uint64_t dst_offset, const Buffer* src, uint64_t src_offset, uint64_t bytes);
  SilicaStatus dispatch(const DispatchInfo& d);
  /// Submits the current batch without waiting.
  SilicaStatus flush();
  /// Submits and waits for everything; reports a kernel's status word or a validation error.
  SilicaStatus synchronize();
  /// A validation-layer message recorded since the last call, as an error.
  SilicaStatus validation_error();
  DeviceStats& stats() { return stats_; }
  bool timing_kernels() const { return timer_.enabled(); }
  /// GPU time per shader (SILICA_VULKAN_PROFILE=kernels), or "" when not timed.
  std::string kernel_report() const { return timer_.enabled() ? timer_.report() : std::string(); }

 private:
  struct Frame {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    bool recording = false, submitted = false;
    HostBuffer params, staging;
    uint64_t params_used = 0, staging_used = 0;
    VkDescriptorPool pool = VK_NULL_HANDLE;  // without push descriptors only
    uint32_t sets_used = 0;
    uint32_t commands = 0;
  };

  SilicaStatus create();
  SilicaStatus create_host_buffer(uint64_t size, VkBufferUsageFlags usage, bool prefer_device_local, HostBuffer* out);
  void destroy_host_buffer(HostBuffer& b);
  Frame& frame() { return frames_[current_]; }
  SilicaStatus begin();
  SilicaStatus submit();
  SilicaStatus wait_all();
  bool idle();
  SilicaStatus take_report();
  void order(const BufferUse* uses, int n);
  void barrier(VkCommandBuffer cmd);
  SilicaStatus record_copy(VkBuffer src, uint64_t src_offset, VkBuffer dst, uint64_t dst_offset, uint64_t bytes);

  Instance* instance_;
  PhysicalDevice* physical_;
  std::string label_;
  std::mutex mu_;
  bool created_ = false;
  SilicaStatus create_status_ = SILICA_OK;
  std::string create_error_;

  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  PFN_vkCmdPushDescriptorSetKHR push_descriptors_ = nullptr;
  Allocator allocator_;
  Pipelines pipelines_;
  static constexpr int kFrames = 3;
  Frame frames_[kFrames];
  int current_ = 0;
  HostBuffer status_;    // KernelReport, written by kernels
  HostBuffer readback_;  // downloads from memory the host cannot map
  uint64_t param_align_ = 256;

  // Ranges written / read since the last barrier of the current frame.
  std::vector<BufferUse> written_, read_;
  bool barrier_needed_ = true;
  DeviceStats stats_;
  KernelTimer timer_;
};

}  // namespace silica::vk
