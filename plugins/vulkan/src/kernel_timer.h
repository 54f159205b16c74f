// GPU time per shader, for SILICA_VULKAN_PROFILE=kernels: a timestamp after every recorded
// command of a frame, read back when the frame's fence has signalled and summed by name.
// The device records a barrier before each command while this is on, so one command's
// time is the gap to the previous timestamp (the numbers add up to the device's busy time
// but lose the overlap that independent dispatches would otherwise have).
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "silica/plugin.h"

namespace silica::vk {

class KernelTimer {
 public:
  /// On when SILICA_VULKAN_PROFILE=kernels and the queue family has timestamps.
  SilicaStatus init(VkDevice device, int frames, uint32_t commands_per_frame, uint32_t timestamp_bits,
                    float period_ns);
  void destroy(VkDevice device);
  bool enabled() const { return !pools_.empty(); }

  /// At the start of frame f's recording: resets its queries and stamps the start.
  void begin_frame(int f, VkCommandBuffer cmd);
  /// After a command of frame f: stamps its end under `name`.
  void after(int f, VkCommandBuffer cmd, const char* name);
  /// Once frame f's fence has signalled: adds its commands' times to the totals.
  void collect(VkDevice device, int f);
  /// The totals, largest first, as a table.
  std::string report() const;

 private:
  struct Total {
    uint64_t count = 0;
    double ns = 0;
  };
  std::vector<VkQueryPool> pools_;
  std::vector<std::vector<std::string>> names_;  // per frame, per command
  uint32_t capacity_ = 0;
  uint64_t mask_ = ~0ull;
  float period_ns_ = 1;
  std::map<std::string, Total> totals_;
};

}  // namespace silica::vk
