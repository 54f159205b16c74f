#include "kernel_timer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "status.h"

namespace silica::vk {

SilicaStatus KernelTimer::init(VkDevice device, int frames, uint32_t commands_per_frame, uint32_t timestamp_bits,
                               float period_ns) {
  const char* env = std::getenv("SILICA_VULKAN_PROFILE");
  if (!env || std::strcmp(env, "kernels") != 0) return SILICA_OK;
  if (timestamp_bits == 0) {
    std::fprintf(stderr, "silica vulkan: SILICA_VULKAN_PROFILE=kernels: this queue has no timestamps\n");
    return SILICA_OK;
  }
  capacity_ = commands_per_frame + 1;
  mask_ = timestamp_bits >= 64 ? ~0ull : (1ull << timestamp_bits) - 1;
  period_ns_ = period_ns;
  for (int f = 0; f < frames; ++f) {
    VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = capacity_;
    VkQueryPool pool;
    SILICA_VK_TRY(check(vkCreateQueryPool(device, &info, nullptr, &pool), "vkCreateQueryPool"));
    pools_.push_back(pool);
  }
  names_.resize(static_cast<size_t>(frames));
  return SILICA_OK;
}

void KernelTimer::destroy(VkDevice device) {
  for (VkQueryPool p : pools_) vkDestroyQueryPool(device, p, nullptr);
  pools_.clear();
}

void KernelTimer::begin_frame(int f, VkCommandBuffer cmd) {
  if (!enabled()) return;
  names_[f].clear();
  vkCmdResetQueryPool(cmd, pools_[f], 0, capacity_);
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pools_[f], 0);
}

void KernelTimer::after(int f, VkCommandBuffer cmd, const char* name) {
  if (!enabled() || names_[f].size() + 1 >= capacity_) return;
  names_[f].emplace_back(name);
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pools_[f], static_cast<uint32_t>(names_[f].size()));
}

void KernelTimer::collect(VkDevice device, int f) {
  if (!enabled() || names_[f].empty()) return;
  const uint32_t n = static_cast<uint32_t>(names_[f].size()) + 1;
  std::vector<uint64_t> stamps(n);
  if (vkGetQueryPoolResults(device, pools_[f], 0, n, n * sizeof(uint64_t), stamps.data(), sizeof(uint64_t),
                            VK_QUERY_RESULT_64_BIT) != VK_SUCCESS)
    return;
  for (uint32_t i = 1; i < n; ++i) {
    Total& t = totals_[names_[f][i - 1]];
    ++t.count;
    t.ns += static_cast<double>((stamps[i] - stamps[i - 1]) & mask_) * period_ns_;
  }
  names_[f].clear();
}

std::string KernelTimer::report() const {
  std::vector<std::pair<std::string, Total>> rows(totals_.begin(), totals_.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
  double all = 0;
  for (const auto& r : rows) all += r.second.ns;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  %-40s %8s %10s %10s %6s\n", "shader", "calls", "GPU ms", "us/call", "share");
  out += line;
  for (const auto& [name, t] : rows) {
    std::snprintf(line, sizeof line, "  %-40s %8llu %10.2f %10.2f %5.1f%%\n", name.c_str(),
                  static_cast<unsigned long long>(t.count), t.ns * 1e-6, t.ns * 1e-3 / static_cast<double>(t.count),
                  all > 0 ? 100.0 * t.ns / all : 0.0);
    out += line;
  }
  std::snprintf(line, sizeof line, "  %-40s %8s %10.2f\n", "total", "", all * 1e-6);
  return out + line;
}

}  // namespace silica::vk
