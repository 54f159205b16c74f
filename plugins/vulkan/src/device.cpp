#include "device.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "coopmat_khr.h"
#include "kernels.h"
#include "status.h"

namespace silica::vk {

namespace {

constexpr uint64_t kStagingBytes = 16ull << 20;     // per frame, for uploads
constexpr uint64_t kParamRingBytes = 512ull << 10;  // per frame: 1024 dispatches of 512 bytes
constexpr uint64_t kReadbackBytes = 32ull << 20;    // largest download chunk without host-mapped memory
constexpr uint32_t kMaxCommands = 512;              // per frame before it is submitted
constexpr uint32_t kMaxSets = 1024;                 // descriptor sets per frame (no push descriptors)
constexpr size_t kMaxTracked = 96;                  // tracked ranges before a barrier anyway

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Waits for one fence, counting the time in `waited`.
VkResult wait_fence(VkDevice device, VkFence fence, double& waited) {
  const double t0 = seconds();
  VkResult r = vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX);
  waited += seconds() - t0;
  return r;
}

bool overlaps(const std::vector<BufferUse>& list, const BufferUse& u) {
  for (const BufferUse& r : list)
    if (r.buffer == u.buffer && r.offset < u.offset + u.size && u.offset < r.offset + r.size) return true;
  return false;
}

}  // namespace

Device::Device(Instance* instance, PhysicalDevice* physical, int index)
    : instance_(instance), physical_(physical) {
  label_ = "vulkan:" + std::to_string(index) + " (" + physical->info.name + ")";
}

Device::~Device() {
  if (!device_) return;
  vkDeviceWaitIdle(device_);
  pipelines_.destroy();
  timer_.destroy(device_);
  for (Frame& f : frames_) {
    if (f.fence) vkDestroyFence(device_, f.fence, nullptr);
    if (f.pool) vkDestroyDescriptorPool(device_, f.pool, nullptr);
    destroy_host_buffer(f.params);
    destroy_host_buffer(f.staging);
  }
  destroy_host_buffer(status_);
  destroy_host_buffer(readback_);
  allocator_.destroy();
  if (command_pool_) vkDestroyCommandPool(device_, command_pool_, nullptr);
  vkDestroyDevice(device_, nullptr);
}

SilicaStatus Device::ready() {
  if (!created_) {
    created_ = true;
    create_status_ = create();
    if (create_status_ != SILICA_OK) create_error_ = last_error_text();
  }
  if (create_status_ != SILICA_OK)
    return fail(create_status_, "could not start " + label_ + ": " + create_error_);
  return SILICA_OK;
}

SilicaStatus Device::create() {
  const PhysicalDevice& pd = *physical_;
  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue.queueFamilyIndex = pd.compute_family;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;
  std::vector<const char*> extensions;
  if (pd.features.push_descriptor) extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  if (pd.features.portability_subset) extensions.push_back("VK_KHR_portability_subset");
  VkPhysicalDeviceFeatures features{};
  features.shaderInt64 = pd.features.shader_int64 ? VK_TRUE : VK_FALSE;
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  const auto chain = [&info](auto* features) {  // adds a feature struct to the create info
    features->pNext = const_cast<void*>(info.pNext);
    info.pNext = features;
  };
  // The tensor-core GEMM needs its extension, cooperative matrices, f16 arithmetic and the
  // memory model (its scoped barriers).
  VkPhysicalDeviceShaderFloat16Int8Features f16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDeviceVulkanMemoryModelFeaturesKHR memory_model{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES_KHR};
  if (pd.features.coopmat_nv || pd.features.coopmat_khr) {
    extensions.push_back(VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME);
    extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
    f16.shaderFloat16 = VK_TRUE;
    memory_model.vulkanMemoryModel = VK_TRUE;
    memory_model.vulkanMemoryModelDeviceScope = VK_TRUE;  // other shaders' device-scope atomics
    chain(&f16);
    chain(&memory_model);
  }
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coop_nv{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  if (pd.features.coopmat_nv) {
    extensions.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
    coop_nv.cooperativeMatrix = VK_TRUE;
    chain(&coop_nv);
  }
  khr::CooperativeMatrixFeatures coop_khr;
  if (pd.features.coopmat_khr) {
    extensions.push_back(khr::kExtension);
    coop_khr.cooperativeMatrix = VK_TRUE;
    chain(&coop_khr);
  }
  khr::CooperativeMatrix2Features coop2;
  if (pd.features.coopmat2_invocations > 0) {
    extensions.push_back(khr::kNv2Extension);
    coop2.cooperativeMatrixWorkgroupScope = VK_TRUE;
    coop2.cooperativeMatrixFlexibleDimensions = VK_TRUE;
    coop2.cooperativeMatrixTensorAddressing = VK_TRUE;
    chain(&coop2);
  }
  khr::BFloat16Features bf16;
  if (pd.features.coopmat_khr_bf16) {
    extensions.push_back(khr::kBFloat16Extension);
    bf16.shaderBFloat16Type = VK_TRUE;
    bf16.shaderBFloat16CooperativeMatrix = VK_TRUE;
    chain(&bf16);
  }
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR stats{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR};
  if (pd.features.pipeline_stats) {
    extensions.push_back(VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
    stats.pipelineExecutableInfo = VK_TRUE;
    chain(&stats);
  }
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue;
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  info.pEnabledFeatures = &features;
  SILICA_VK_TRY(check(vkCreateDevice(pd.handle, &info, nullptr, &device_), "vkCreateDevice"));
  vkGetDeviceQueue(device_, pd.compute_family, 0, &queue_);
  if (pd.features.push_descriptor)
    push_descriptors_ = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
        vkGetDeviceProcAddr(device_, "vkCmdPushDescriptorSetKHR"));

  VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool.queueFamilyIndex = pd.compute_family;
  SILICA_VK_TRY(check(vkCreateCommandPool(device_, &pool, nullptr, &command_pool_), "vkCreateCommandPool"));

  const VkPhysicalDeviceLimits& lim = limits();
  param_align_ = std::max<uint64_t>(lim.minUniformBufferOffsetAlignment, 16);
  SILICA_VK_TRY(allocator_.init(device_, pd.memory, pd.info.memory_bytes, lim.minStorageBufferOffsetAlignment,
                                pd.info.unified_memory != 0, label_));
  SILICA_VK_TRY(pipelines_.init(device_, push_descriptors_ != nullptr, pipeline_cache_path(pd.properties),
                                pd.features.pipeline_stats));

  for (Frame& f : frames_) {
    VkCommandBufferAllocateInfo cb{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cb.commandPool = command_pool_;
    cb.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cb.commandBufferCount = 1;
    SILICA_VK_TRY(check(vkAllocateCommandBuffers(device_, &cb, &f.cmd), "vkAllocateCommandBuffers"));
    VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    SILICA_VK_TRY(check(vkCreateFence(device_, &fence, nullptr, &f.fence), "vkCreateFence"));
    SILICA_VK_TRY(create_host_buffer(kParamRingBytes, VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT, true, &f.params));
    SILICA_VK_TRY(create_host_buffer(kStagingBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, false, &f.staging));
    if (!push_descriptors_) {
      VkDescriptorPoolSize sizes[2] = {{VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, kMaxSets},
                                       {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kMaxSets * 7}};
      VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
      dp.maxSets = kMaxSets;
      dp.poolSizeCount = 2;
      dp.pPoolSizes = sizes;
      SILICA_VK_TRY(check(vkCreateDescriptorPool(device_, &dp, nullptr, &f.pool), "vkCreateDescriptorPool"));
    }
  }
  SILICA_VK_TRY(timer_.init(device_, kFrames, kMaxCommands, pd.timestamp_bits, lim.timestampPeriod));
  SILICA_VK_TRY(
      create_host_buffer(sizeof(KernelReport), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, false, &status_));
  std::memset(status_.mapped, 0, sizeof(KernelReport));
  return SILICA_OK;
}

SilicaStatus Device::create_host_buffer(uint64_t size, VkBufferUsageFlags usage, bool prefer_device_local,
                                        HostBuffer* out) {
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = usage | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
  SILICA_VK_TRY(check(vkCreateBuffer(device_, &info, nullptr, &out->buffer), "vkCreateBuffer"));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, out->buffer, &req);
  const VkPhysicalDeviceMemoryProperties& mem = physical_->memory;
  const VkMemoryPropertyFlags need =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int best = -1, best_score = -1;
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
    VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
    if (!(req.memoryTypeBits & (1u << i)) || (f & need) != need) continue;
    // Parameters are read by every workgroup: device-local (a BAR window) when there is one;
    // staging and readback want host-cached memory.
    int score = prefer_device_local ? ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) ? 2 : 1)
                                    : ((f & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) ? 2 : 1);
    if (score > best_score) best = static_cast<int>(i), best_score = score;
  }
  if (best < 0) return fail(SILICA_ERROR_DEVICE, label_ + " has no host-visible coherent memory");
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = static_cast<uint32_t>(best);
  SILICA_VK_TRY(check(vkAllocateMemory(device_, &alloc, nullptr, &out->memory), "vkAllocateMemory (host)"));
  SILICA_VK_TRY(check(vkBindBufferMemory(device_, out->buffer, out->memory, 0), "vkBindBufferMemory"));
  void* p = nullptr;
  SILICA_VK_TRY(check(vkMapMemory(device_, out->memory, 0, VK_WHOLE_SIZE, 0, &p), "vkMapMemory"));
  out->mapped = static_cast<uint8_t*>(p);
  out->size = size;
  return SILICA_OK;
}

void Device::destroy_host_buffer(HostBuffer& b) {
  if (b.buffer) vkDestroyBuffer(device_, b.buffer, nullptr);
  if (b.memory) vkFreeMemory(device_, b.memory, nullptr);
  b = HostBuffer{};
}

// ---- Frames ----

SilicaStatus Device::begin() {
  Frame& f = frame();
  if (f.recording) return SILICA_OK;
  if (f.submitted) {
    SILICA_VK_TRY(check(wait_fence(device_, f.fence, stats_.wait_s), "vkWaitForFences"));
    f.submitted = false;
    timer_.collect(device_, current_);
  }
  SILICA_VK_TRY(check(vkResetFences(device_, 1, &f.fence), "vkResetFences"));
  SILICA_VK_TRY(check(vkResetCommandBuffer(f.cmd, 0), "vkResetCommandBuffer"));
  if (f.pool) SILICA_VK_TRY(check(vkResetDescriptorPool(device_, f.pool, 0), "vkResetDescriptorPool"));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  SILICA_VK_TRY(check(vkBeginCommandBuffer(f.cmd, &bi), "vkBeginCommandBuffer"));
  timer_.begin_frame(current_, f.cmd);
  f.recording = true;
  f.params_used = f.staging_used = 0;
  f.sets_used = f.commands = 0;
  written_.clear();
  read_.clear();
  barrier_needed_ = true;  // order after everything submitted before
  return SILICA_OK;
}

SilicaStatus Device::submit() {
  Frame& f = frame();
  if (!f.recording || f.commands == 0) return SILICA_OK;
  // Make every write visible to the host (downloads, the status word, mapped memory).
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(f.cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  SILICA_VK_TRY(check(vkEndCommandBuffer(f.cmd), "vkEndCommandBuffer"));
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &f.cmd;
  f.recording = false;
  SILICA_VK_TRY(check(vkQueueSubmit(queue_, 1, &si, f.fence), "vkQueueSubmit"));
  f.submitted = true;
  ++stats_.submits;
  current_ = (current_ + 1) % kFrames;
  return SILICA_OK;
}

SilicaStatus Device::wait_all() {
  for (int i = 0; i < kFrames; ++i) {
    Frame& f = frames_[i];
    if (!f.submitted) continue;
    SILICA_VK_TRY(check(wait_fence(device_, f.fence, stats_.wait_s), "vkWaitForFences"));
    f.submitted = false;
    timer_.collect(device_, i);
  }
  return SILICA_OK;
}

bool Device::idle() {
  if (frame().recording && frame().commands > 0) return false;
  for (int i = 0; i < kFrames; ++i) {
    Frame& f = frames_[i];
    if (f.submitted) {
      if (vkGetFenceStatus(device_, f.fence) != VK_SUCCESS) return false;
      f.submitted = false;
      timer_.collect(device_, i);
    }
  }
  return true;
}

SilicaStatus Device::take_report() {
  KernelReport r;
  std::memcpy(&r, status_.mapped, sizeof r);
  if (r.code == 0) return SILICA_OK;
  std::memset(status_.mapped, 0, sizeof r);
  int64_t value = static_cast<int64_t>((static_cast<uint64_t>(r.value_hi) << 32) | r.value_lo);
  std::string what = r.code == 2 ? "target " + std::to_string(value) + " is out of range for " +
                                       std::to_string(r.size) + " classes"
                                 : "index " + std::to_string(value) + " is out of range for axis " +
                                       std::to_string(r.axis) + " of size " + std::to_string(r.size);
  return fail(SILICA_ERROR_INVALID,
              std::string("an earlier ") + op_name(r.op) + " on " + label_ + " failed: " + what);
}

SilicaStatus Device::validation_error() {
  std::string m = instance_->take_validation_message();
  if (m.empty()) return SILICA_OK;
  return fail(SILICA_ERROR_DEVICE, "Vulkan validation error on " + label_ + ": " + m);
}

// ---- Ordering ----

void Device::barrier(VkCommandBuffer cmd) {
  // A global memory barrier: the same effect as buffer barriers on every range written,
  // and cheaper to record (drivers implement both as a cache flush + wait).
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                     VK_ACCESS_TRANSFER_WRITE_BIT;
  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cmd, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
  ++stats_.barriers;
}

void Device::order(const BufferUse* uses, int n) {
  // Timed commands run one at a time, so each one's time is the gap between timestamps.
  bool conflict = barrier_needed_ || timer_.enabled() ||
                  written_.size() + read_.size() + static_cast<size_t>(n) > kMaxTracked;
  for (int i = 0; i < n && !conflict; ++i)
    conflict = overlaps(written_, uses[i]) || (uses[i].write && overlaps(read_, uses[i]));
  if (conflict) {
    barrier(frame().cmd);
    written_.clear();
    read_.clear();
    barrier_needed_ = false;
  }
  for (int i = 0; i < n; ++i) (uses[i].write ? written_ : read_).push_back(uses[i]);
}

// ---- Memory ----

SilicaStatus Device::allocate(uint64_t bytes, Buffer** out) {
  SilicaStatus st = allocator_.allocate(bytes, out);
  if (st != SILICA_ERROR_OUT_OF_MEMORY) return st;
  // Freed tensors may still be read by submitted work: wait before giving blocks back.
  SILICA_VK_TRY(submit());
  SILICA_VK_TRY(wait_all());
  allocator_.trim();
  return allocator_.allocate(bytes, out);
}

// ---- Copies ----

SilicaStatus Device::record_copy(VkBuffer src, uint64_t src_offset, VkBuffer dst, uint64_t dst_offset,
                                 uint64_t bytes) {
  BufferUse uses[2] = {{src, src_offset, bytes, false}, {dst, dst_offset, bytes, true}};
  order(uses, 2);
  VkBufferCopy region{src_offset, dst_offset, bytes};
  vkCmdCopyBuffer(frame().cmd, src, dst, 1, &region);
  timer_.after(current_, frame().cmd, "copy");
  ++frame().commands;
  ++stats_.copies;
  return SILICA_OK;
}

SilicaStatus Device::upload(Buffer* dst, uint64_t offset, const void* src, uint64_t bytes) {
  if (bytes == 0) return SILICA_OK;
  stats_.upload_bytes += bytes;
  // Host-mapped memory with nothing in flight: write it directly (the next submission
  // makes host writes visible to the device).
  if (dst->mapped && idle()) {
    std::memcpy(dst->mapped + offset, src, bytes);
    return SILICA_OK;
  }
  const auto* from = static_cast<const uint8_t*>(src);
  while (bytes > 0) {
    SILICA_VK_TRY(begin());
    Frame& f = frame();
    uint64_t space = f.staging.size - f.staging_used;
    if (space < std::min<uint64_t>(bytes, 64 << 10) || f.commands >= kMaxCommands) {
      SILICA_VK_TRY(submit());
      continue;
    }
    uint64_t chunk = std::min(space, bytes);
    std::memcpy(f.staging.mapped + f.staging_used, from, chunk);
    SILICA_VK_TRY(record_copy(f.staging.buffer, f.staging_used, dst->buffer, dst->offset + offset, chunk));
    f.staging_used = round_up(f.staging_used + chunk, 16);
    from += chunk;
    offset += chunk;
    bytes -= chunk;
  }
  return SILICA_OK;
}

SilicaStatus Device::download(void* dst, const Buffer* src, uint64_t offset, uint64_t bytes) {
  SILICA_VK_TRY(synchronize());
  stats_.download_bytes += bytes;
  if (bytes == 0) return SILICA_OK;
  if (src->mapped) {
    std::memcpy(dst, src->mapped + offset, bytes);
    return SILICA_OK;
  }
  if (!readback_.buffer)
    SILICA_VK_TRY(create_host_buffer(kReadbackBytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, false, &readback_));
  auto* to = static_cast<uint8_t*>(dst);
  while (bytes > 0) {
    uint64_t chunk = std::min(bytes, readback_.size);
    SILICA_VK_TRY(begin());
    SILICA_VK_TRY(record_copy(src->buffer, src->offset + offset, readback_.buffer, 0, chunk));
    SILICA_VK_TRY(submit());
    SILICA_VK_TRY(wait_all());
    std::memcpy(to, readback_.mapped, chunk);
    to += chunk;
    offset += chunk;
    bytes -= chunk;
  }
  return SILICA_OK;
}

SilicaStatus Device::copy(Buffer* dst, uint64_t dst_offset, const Buffer* src, uint64_t src_offset,
                          uint64_t bytes) {
  if (bytes == 0) return SILICA_OK;
  SILICA_VK_TRY(begin());
  if (frame().commands >= kMaxCommands) {
    SILICA_VK_TRY(submit());
    SILICA_VK_TRY(begin());
  }
  uint64_t s = src->offset + src_offset, d = dst->offset + dst_offset;
  if (src->buffer == dst->buffer && s < d + bytes && d < s + bytes) {
    // vkCmdCopyBuffer forbids overlapping regions: go through a temporary buffer.
    Buffer* tmp = nullptr;
    SILICA_VK_TRY(allocate(bytes, &tmp));
    SilicaStatus st = record_copy(src->buffer, s, tmp->buffer, tmp->offset, bytes);
    if (st == SILICA_OK) st = record_copy(tmp->buffer, tmp->offset, dst->buffer, d, bytes);
    allocator_.release(tmp);  // later users of the range are ordered by the tracking above
    return st;
  }
  return record_copy(src->buffer, s, dst->buffer, d, bytes);
}

// ---- Dispatches ----

SilicaStatus Device::dispatch(const DispatchInfo& d) {
  SILICA_VK_TRY(begin());
  {
    Frame& f = frame();
    const uint64_t pbytes = round_up(kParamBytes, param_align_);
    if (f.commands >= kMaxCommands || f.params_used + pbytes > f.params.size ||
        (f.pool && f.sets_used >= kMaxSets)) {
      SILICA_VK_TRY(submit());
      SILICA_VK_TRY(begin());
    }
  }
  Frame& f = frame();
  order(d.tensors, d.num_tensors);

  const uint64_t param_offset = f.params_used;
  // Each dispatch owns a whole kParamBytes window: the shaders declare that much.
  if (d.param_bytes)
    std::memcpy(f.params.mapped + param_offset, d.params, std::min(d.param_bytes, kParamBytes));
  f.params_used = round_up(param_offset + kParamBytes, param_align_);

  VkDescriptorBufferInfo infos[8];
  VkWriteDescriptorSet writes[8];
  uint32_t count = 0;
  auto add = [&](uint32_t binding, VkDescriptorType type, VkBuffer buffer, uint64_t offset, uint64_t range) {
    infos[count] = {buffer, offset, range};
    VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w.dstBinding = binding;
    w.descriptorCount = 1;
    w.descriptorType = type;
    w.pBufferInfo = &infos[count];
    writes[count++] = w;
  };
  add(0, VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, f.params.buffer, param_offset, kParamBytes);
  for (int i = 0; i < d.num_tensors; ++i)
    add(static_cast<uint32_t>(i + 1), VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, d.tensors[i].buffer,
        d.tensors[i].offset, d.tensors[i].size);
  if (d.status) add(7, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, status_.buffer, 0, sizeof(KernelReport));

  vkCmdBindPipeline(f.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline);
  if (push_descriptors_) {
    push_descriptors_(f.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines_.layout(), 0, count, writes);
  } else {
    VkDescriptorSetLayout layout = pipelines_.set_layout();
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = f.pool;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &layout;
    VkDescriptorSet set;
    SILICA_VK_TRY(check(vkAllocateDescriptorSets(device_, &ai, &set), "vkAllocateDescriptorSets"));
    ++f.sets_used;
    for (uint32_t i = 0; i < count; ++i) writes[i].dstSet = set;
    vkUpdateDescriptorSets(device_, count, writes, 0, nullptr);
    vkCmdBindDescriptorSets(f.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines_.layout(), 0, 1, &set, 0,
                            nullptr);
  }
  vkCmdDispatch(f.cmd, d.groups[0], d.groups[1], d.groups[2]);
  timer_.after(current_, f.cmd, d.name);
  ++f.commands;
  ++stats_.dispatches;
  return SILICA_OK;
}

SilicaStatus Device::flush() { return submit(); }

SilicaStatus Device::synchronize() {
  ++stats_.syncs;
  SILICA_VK_TRY(submit());
  SILICA_VK_TRY(wait_all());
  pipelines_.save();  // after new pipelines only; the host waits here anyway
  return take_report();
}

}  // namespace silica::vk
