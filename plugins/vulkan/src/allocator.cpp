#include "allocator.h"

#include <algorithm>

#include "status.h"

namespace silica::vk {

namespace {

constexpr VkBufferUsageFlags kUsage =
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

SilicaStatus Allocator::init(VkDevice device, const VkPhysicalDeviceMemoryProperties& memory, uint64_t heap_bytes,
                             uint64_t alignment, bool unified, std::string label) {
  device_ = device;
  heap_bytes_ = heap_bytes;
  alignment_ = std::max<uint64_t>(alignment, 256);
  label_ = std::move(label);
  // The memory types a storage buffer may live in, from a small probe buffer.
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = 256;
  info.usage = kUsage;
  VkBuffer probe;
  SILICA_VK_TRY(check(vkCreateBuffer(device_, &info, nullptr, &probe), "vkCreateBuffer"));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, probe, &req);
  vkDestroyBuffer(device_, probe, nullptr);
  int best = -1, best_score = -1;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
    if (!(req.memoryTypeBits & (1u << i))) continue;
    VkMemoryPropertyFlags f = memory.memoryTypes[i].propertyFlags;
    if (!(f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)) continue;
    bool mappable = (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) && (f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    // A discrete GPU's host-visible device memory is a small BAR window: keep it for others.
    int score = (unified ? mappable : !mappable) ? 2 : 1;
    if (score > best_score) best = static_cast<int>(i), best_score = score;
  }
  if (best < 0) return fail(SILICA_ERROR_DEVICE, label_ + " offers no device-local memory for storage buffers");
  memory_type_ = static_cast<uint32_t>(best);
  VkMemoryPropertyFlags f = memory.memoryTypes[best].propertyFlags;
  host_visible_ = (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) && (f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  return SILICA_OK;
}

void Allocator::destroy() {
  for (auto& b : blocks_) destroy_block(b.get());
  blocks_.clear();
}

SilicaStatus Allocator::new_block(uint64_t size, bool dedicated, Block** out) {
  // Drivers may over-commit (lavapipe's heap is host memory); keep to the reported heap.
  if (heap_bytes_ && reserved_ + size > heap_bytes_)
    return fail(SILICA_ERROR_OUT_OF_MEMORY, "the device's memory heap is exhausted");
  auto b = std::make_unique<Block>();
  b->size = size;
  b->dedicated = dedicated;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = kUsage;
  VkResult r = vkCreateBuffer(device_, &info, nullptr, &b->buffer);
  if (r != VK_SUCCESS) return check(r, "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, b->buffer, &req);
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = memory_type_;
  r = vkAllocateMemory(device_, &alloc, nullptr, &b->memory);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(device_, b->buffer, nullptr);
    return check(r, "vkAllocateMemory");
  }
  r = vkBindBufferMemory(device_, b->buffer, b->memory, 0);
  if (r == VK_SUCCESS && host_visible_) {
    void* p = nullptr;
    r = vkMapMemory(device_, b->memory, 0, VK_WHOLE_SIZE, 0, &p);
    b->mapped = static_cast<uint8_t*>(p);
  }
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(device_, b->buffer, nullptr);
    vkFreeMemory(device_, b->memory, nullptr);
    return check(r, "vkBindBufferMemory");
  }
  b->free[0] = size;
  reserved_ += size;
  *out = b.get();
  blocks_.push_back(std::move(b));
  return SILICA_OK;
}

void Allocator::destroy_block(Block* b) {
  if (b->mapped) vkUnmapMemory(device_, b->memory);
  vkDestroyBuffer(device_, b->buffer, nullptr);
  vkFreeMemory(device_, b->memory, nullptr);
  reserved_ -= b->size;
}

// Best fit inside one block: the smallest free range that holds `size`.
bool Allocator::take_from(Block* b, uint64_t size, uint64_t* offset) {
  auto best = b->free.end();
  for (auto it = b->free.begin(); it != b->free.end(); ++it)
    if (it->second >= size && (best == b->free.end() || it->second < best->second)) best = it;
  if (best == b->free.end()) return false;
  *offset = best->first;
  uint64_t rest = best->second - size;
  uint64_t rest_at = best->first + size;
  b->free.erase(best);
  if (rest > 0) b->free[rest_at] = rest;
  b->used += size;
  return true;
}

SilicaStatus Allocator::allocate(uint64_t bytes, Buffer** out) {
  // Rounded to the binding alignment, and never 0: views of empty tensors still bind.
  const uint64_t size = round_up(std::max<uint64_t>(bytes, 1), alignment_);
  if (heap_bytes_ && size > heap_bytes_)
    return out_of_memory(bytes, "the request exceeds the device's memory");
  Block* block = nullptr;
  uint64_t offset = 0;
  const bool dedicated = size > block_bytes_ / 2;
  // Cached blocks first (a dedicated one only for a request of at least half its size).
  for (auto& b : blocks_) {
    if (b->dedicated && (!dedicated || b->used > 0 || b->size < size || b->size / 2 > size)) continue;
    if (!b->dedicated && dedicated) continue;
    if (take_from(b.get(), size, &offset)) {
      block = b.get();
      break;
    }
  }
  if (!block) {
    SilicaStatus st = new_block(dedicated ? size : block_bytes_, dedicated, &block);
    if (st == SILICA_ERROR_OUT_OF_MEMORY) return out_of_memory(bytes, last_error_text());
    if (st != SILICA_OK) return st;
    take_from(block, size, &offset);
  }
  auto* buf = new Buffer();
  buf->buffer = block->buffer;
  buf->offset = offset;
  buf->size = size;
  buf->requested = bytes;
  buf->mapped = block->mapped ? block->mapped + offset : nullptr;
  buf->block = block;
  in_use_ += size;
  *out = buf;
  return SILICA_OK;
}

void Allocator::release(Buffer* buf) {
  if (!buf) return;
  Block* b = buf->block;
  in_use_ -= buf->size;
  b->used -= buf->size;
  // Insert the range and merge it with free neighbours.
  auto it = b->free.emplace(buf->offset, buf->size).first;
  auto next = std::next(it);
  if (next != b->free.end() && it->first + it->second == next->first) {
    it->second += next->second;
    b->free.erase(next);
  }
  if (it != b->free.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      b->free.erase(it);
    }
  }
  delete buf;
}

void Allocator::trim() {
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    if ((*it)->used == 0) {
      destroy_block(it->get());
      it = blocks_.erase(it);
    } else {
      ++it;
    }
  }
}

SilicaStatus Allocator::out_of_memory(uint64_t bytes, const std::string& why) {
  return fail(SILICA_ERROR_OUT_OF_MEMORY,
              "out of memory on " + label_ + ": requested " + format_bytes(bytes) + ", " + format_bytes(in_use_) +
                  " in use (" + format_bytes(reserved_) + " reserved by the cache) of " + format_bytes(heap_bytes_) +
                  " total (" + why + "); free tensors or use smaller batches");
}

}  // namespace silica::vk
