// Device memory for tensors: a caching allocator that sub-allocates from large blocks, so
// a tensor costs no driver call. Freed ranges return to their block and are reused at once
// (the command stream orders the reuse: see Device's hazard tracking); whole blocks stay
// cached until an allocation fails; then Device::allocate waits for the device, releases
// idle blocks (trim) and retries.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "silica/plugin.h"

namespace silica::vk {

struct Block;

/// What alloc() hands to the core as an opaque buffer handle.
struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;  // the block's buffer
  uint64_t offset = 0;               // of this allocation inside it
  uint64_t size = 0;                 // usable bytes (the request rounded up)
  uint64_t requested = 0;            // bytes the core asked for
  uint8_t* mapped = nullptr;         // host address of byte 0 when the memory is host-visible
  Block* block = nullptr;
};

/// One VkDeviceMemory with one VkBuffer over all of it.
struct Block {
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t size = 0;
  uint8_t* mapped = nullptr;
  bool dedicated = false;               // made for one large allocation
  std::map<uint64_t, uint64_t> free;    // offset -> size of each free range
  uint64_t used = 0;                    // bytes allocated from it
};

class Allocator {
 public:
  /// `label` names the device in messages ("vulkan:0 (llvmpipe ...)").
  /// `unified`: prefer device-local memory the host can map (integrated GPUs, lavapipe).
  SilicaStatus init(VkDevice device, const VkPhysicalDeviceMemoryProperties& memory, uint64_t heap_bytes,
                    uint64_t alignment, bool unified, std::string label);
  ~Allocator() { destroy(); }
  /// Frees every block (the device must be idle).
  void destroy();

  /// Allocates `bytes` (0 allowed); OUT_OF_MEMORY says requested / in use / total.
  SilicaStatus allocate(uint64_t bytes, Buffer** out);
  /// Returns an allocation (ordering of its last uses is the caller's business).
  void release(Buffer* buffer);
  /// Frees every cached block no allocation uses (no submitted work may still use them).
  void trim();

  uint64_t bytes_in_use() const { return in_use_; }
  uint64_t bytes_reserved() const { return reserved_; }
  bool host_visible() const { return host_visible_; }

 private:
  SilicaStatus new_block(uint64_t size, bool dedicated, Block** out);
  void destroy_block(Block* b);
  bool take_from(Block* b, uint64_t size, uint64_t* offset);
  SilicaStatus out_of_memory(uint64_t bytes, const std::string& why);

  VkDevice device_ = VK_NULL_HANDLE;
  uint32_t memory_type_ = 0;
  bool host_visible_ = false;
  uint64_t heap_bytes_ = 0;
  uint64_t alignment_ = 256;
  uint64_t block_bytes_ = 64ull << 20;
  std::string label_;
  std::vector<std::unique_ptr<Block>> blocks_;
  uint64_t in_use_ = 0;    // bytes handed out (rounded sizes)
  uint64_t reserved_ = 0;  // bytes of all blocks
};

}  // namespace silica::vk
