#include "pipelines.h"

#include <cstring>

#include "shader_table.h"
#include "status.h"

namespace silica::vk {

SilicaStatus Pipelines::init(VkDevice device, bool push_descriptors) {
  device_ = device;
  VkDescriptorSetLayoutBinding bindings[8];
  for (uint32_t i = 0; i < 8; ++i) {
    bindings[i] = {};
    bindings[i].binding = i;
    bindings[i].descriptorType = i == 0 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo set{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set.flags = push_descriptors ? VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR : 0;
  set.bindingCount = 8;
  set.pBindings = bindings;
  SILICA_VK_TRY(check(vkCreateDescriptorSetLayout(device_, &set, nullptr, &set_layout_), "vkCreateDescriptorSetLayout"));
  VkPipelineLayoutCreateInfo layout{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout.setLayoutCount = 1;
  layout.pSetLayouts = &set_layout_;
  SILICA_VK_TRY(check(vkCreatePipelineLayout(device_, &layout, nullptr, &layout_), "vkCreatePipelineLayout"));
  VkPipelineCacheCreateInfo cache{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  return check(vkCreatePipelineCache(device_, &cache, nullptr, &cache_), "vkCreatePipelineCache");
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
  size_t count = 0;
  const ShaderModuleWords* table = shader_modules(&count);
  for (size_t i = 0; i < count; ++i) {
    if (std::strcmp(table[i].name, shader) != 0) continue;
    VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    info.codeSize = table[i].bytes;
    info.pCode = table[i].words;
    SILICA_VK_TRY(check(vkCreateShaderModule(device_, &info, nullptr, out), "vkCreateShaderModule"));
    modules_[shader] = *out;
    return SILICA_OK;
  }
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
  VkResult r = vkCreateComputePipelines(device_, cache_, 1, &info, nullptr, out);
  if (r != VK_SUCCESS) return check(r, (std::string("vkCreateComputePipelines for ") + key).c_str());
  pipelines_[key] = *out;
  return SILICA_OK;
}

}  // namespace silica::vk
