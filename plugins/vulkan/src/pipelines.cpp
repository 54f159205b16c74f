#include "pipelines.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "shader_table.h"
#include "status.h"

namespace silica::vk {

std::string pipeline_cache_path(const VkPhysicalDeviceProperties& p) {
  std::string dir;
  if (const char* d = std::getenv("SILICA_VULKAN_CACHE_DIR"))
    dir = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    dir = std::string(x) + "/silica";
  else if (const char* h = std::getenv("HOME"); h && *h)
    dir = std::string(h) + "/.cache/silica";
  if (dir.empty()) return "";
  char name[160];
  std::snprintf(name, sizeof name, "/vulkan-pipelines-%04x-%04x-%08x-", p.vendorID, p.deviceID,
                p.driverVersion);
  std::string path = dir + name;
  for (uint8_t b : p.pipelineCacheUUID) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    path += hex;
  }
  return path + ".bin";
}

namespace {

// mkdir -p for the cache folder (errors are ignored: the cache is an optimization).
void make_dirs(const std::string& file) {
  for (size_t i = 1; i < file.size(); ++i)
    if (file[i] == '/') mkdir(file.substr(0, i).c_str(), 0755);
}

}  // namespace

SilicaStatus Pipelines::init(VkDevice device, bool push_descriptors, std::string cache_file, bool stats) {
  device_ = device;
  stats_ = stats;
  cache_file_ = std::move(cache_file);
  VkDescriptorSetLayoutBinding bindings[8];
  for (uint32_t i = 0; i < 8; ++i) {
    bindings[i] = {};
    bindings[i].binding = i;
    bindings[i].descriptorType =
        i == 0 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo set{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set.flags = push_descriptors ? VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR : 0;
  set.bindingCount = 8;
  set.pBindings = bindings;
  SILICA_VK_TRY(check(vkCreateDescriptorSetLayout(device_, &set, nullptr, &set_layout_),
                      "vkCreateDescriptorSetLayout"));
  VkPipelineLayoutCreateInfo layout{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout.setLayoutCount = 1;
  layout.pSetLayouts = &set_layout_;
  SILICA_VK_TRY(check(vkCreatePipelineLayout(device_, &layout, nullptr, &layout_), "vkCreatePipelineLayout"));
  // Seed the cache with the last run's pipelines; drivers ignore data of another device or
  // version (the header carries both), so a stale file costs nothing but a recompile.
  std::vector<char> data;
  if (!cache_file_.empty()) {
    std::ifstream in(cache_file_, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  VkPipelineCacheCreateInfo cache{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  cache.initialDataSize = data.size();
  cache.pInitialData = data.empty() ? nullptr : data.data();
  if (vkCreatePipelineCache(device_, &cache, nullptr, &cache_) == VK_SUCCESS) return SILICA_OK;
  cache.initialDataSize = 0;  // unreadable data: start empty
  cache.pInitialData = nullptr;
  return check(vkCreatePipelineCache(device_, &cache, nullptr, &cache_), "vkCreatePipelineCache");
}

void Pipelines::save() {
  if (cache_file_.empty() || !cache_ || pipelines_.size() == saved_count_) return;
  saved_count_ = pipelines_.size();
  size_t size = 0;
  if (vkGetPipelineCacheData(device_, cache_, &size, nullptr) != VK_SUCCESS || size == 0) return;
  std::vector<char> data(size);
  if (vkGetPipelineCacheData(device_, cache_, &size, data.data()) != VK_SUCCESS) return;
  // Written aside and renamed, so a concurrent run never reads half a file.
  make_dirs(cache_file_);
  const std::string tmp = cache_file_ + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out.write(data.data(), static_cast<std::streamsize>(size))) return;
  }
  if (std::rename(tmp.c_str(), cache_file_.c_str()) != 0) std::remove(tmp.c_str());
}

void Pipelines::destroy() {
  if (!device_) return;
  for (auto& [key, p] : pipelines_) vkDestroyPipeline(device_, p, nullptr);
  for (auto& [key, m] : modules_) vkDestroyShaderModule(device_, m, nullptr);
  pipelines_.clear();
  modules_.clear();
  if (cache_) vkDestroyPipelineCache(device_, cache_, nullptr);
  if (layout_) vkDestroyPipelineLayout(device_, layout_, nullptr);
  if (set_layout_) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  device_ = VK_NULL_HANDLE;
}

SilicaStatus Pipelines::module(const char* shader, VkShaderModule* out) {
  auto it = modules_.find(shader);
  if (it != modules_.end()) {
    *out = it->second;
    return SILICA_OK;
  }
  const auto create = [&](const uint32_t* words, size_t bytes) {
    VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    info.codeSize = bytes;
    info.pCode = words;
    SILICA_VK_TRY(check(vkCreateShaderModule(device_, &info, nullptr, out), "vkCreateShaderModule"));
    modules_[shader] = *out;
    return SILICA_OK;
  };
  // SILICA_VULKAN_SHADER_DIR: load DIR/<module>.spv instead of the embedded words where
  // it exists (shader development without rebuilding the plugin).
  if (const char* dir = std::getenv("SILICA_VULKAN_SHADER_DIR")) {
    const std::string path = std::string(dir) + "/" + shader + ".spv";
    std::ifstream file(path, std::ios::binary);
    if (file) {
      const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
      std::vector<uint32_t> words(bytes.size() / 4);
      std::memcpy(words.data(), bytes.data(), words.size() * 4);
      if (bytes.size() < 20 || bytes.size() % 4 != 0 || words[0] != 0x07230203u)
        return fail(SILICA_ERROR_INVALID,
                    path + " (SILICA_VULKAN_SHADER_DIR) is not a SPIR-V module (" +
                        std::to_string(bytes.size()) +
                        " bytes); compile it with glslangValidator -V, or unset the variable");
      std::fprintf(stderr, "silica vulkan: module %s from %s\n", shader, path.c_str());
      return create(words.data(), bytes.size());
    }
  }
  size_t count = 0;
  const ShaderModuleWords* table = shader_modules(&count);
  for (size_t i = 0; i < count; ++i)
    if (std::strcmp(table[i].name, shader) == 0) return create(table[i].words, table[i].bytes);
  return fail(SILICA_ERROR_DEVICE, std::string("no embedded shader named '") + shader + "'");
}

SilicaStatus Pipelines::get(const char* shader, const std::vector<int32_t>& spec, VkPipeline* out) {
  std::string key = shader;
  for (int32_t v : spec) key += ":" + std::to_string(v);
  auto it = pipelines_.find(key);
  if (it != pipelines_.end()) {
    *out = it->second;
    return SILICA_OK;
  }
  VkShaderModule m;
  SILICA_VK_TRY(module(shader, &m));
  std::vector<VkSpecializationMapEntry> entries(spec.size());
  for (size_t i = 0; i < spec.size(); ++i)
    entries[i] = {static_cast<uint32_t>(i), static_cast<uint32_t>(i * sizeof(int32_t)), sizeof(int32_t)};
  VkSpecializationInfo si{};
  si.mapEntryCount = static_cast<uint32_t>(entries.size());
  si.pMapEntries = entries.data();
  si.dataSize = spec.size() * sizeof(int32_t);
  si.pData = spec.data();
  VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = m;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = spec.empty() ? nullptr : &si;
  info.layout = layout_;
  if (stats_) info.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
  const auto t0 = std::chrono::steady_clock::now();
  VkResult r = vkCreateComputePipelines(device_, cache_, 1, &info, nullptr, out);
  create_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r != VK_SUCCESS) return check(r, (std::string("vkCreateComputePipelines for ") + key).c_str());
  pipelines_[key] = *out;
  if (stats_) print_stats(*out, key);
  return SILICA_OK;
}

void Pipelines::print_stats(VkPipeline pipeline, const std::string& key) const {
  auto get = reinterpret_cast<PFN_vkGetPipelineExecutableStatisticsKHR>(
      vkGetDeviceProcAddr(device_, "vkGetPipelineExecutableStatisticsKHR"));
  if (!get) return;
  VkPipelineExecutableInfoKHR exe{VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR};
  exe.pipeline = pipeline;
  uint32_t n = 0;
  if (get(device_, &exe, &n, nullptr) != VK_SUCCESS) return;
  std::vector<VkPipelineExecutableStatisticKHR> list(n,
                                                     {VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR});
  if (get(device_, &exe, &n, list.data()) != VK_SUCCESS) return;
  std::string line = "silica vulkan: pipeline " + key + ":";
  for (const auto& s : list) {
    line += std::string(" ") + s.name + "=";
    switch (s.format) {
      case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR: line += s.value.b32 ? "true" : "false"; break;
      case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: line += std::to_string(s.value.i64); break;
      case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR: line += std::to_string(s.value.u64); break;
      default: line += std::to_string(s.value.f64); break;
    }
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace silica::vk
