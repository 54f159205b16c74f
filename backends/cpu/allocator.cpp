#include "allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace silica::cpu {

namespace {

constexpr uint64_t kAlignment = 64;
constexpr uint64_t kMaxCached = uint64_t{2} << 30;  // beyond this, free blocks go back to the system

// Size classes: small sizes round up to 512 bytes, larger ones to 1/8 of their power of two,
// so blocks are reused across slightly different shapes without wasting more than 12.5%.
uint64_t size_class(uint64_t bytes) {
  if (bytes <= 512) return 512;
  uint64_t p = 1;
  while (p < bytes) p <<= 1;
  uint64_t step = std::max<uint64_t>(p / 8, 512);
  return (bytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::map<uint64_t, std::vector<void*>> free_blocks;  // size class -> blocks
  std::unordered_map<void*, uint64_t> sizes;           // live and cached blocks
  uint64_t in_use = 0;
  uint64_t cached = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // leaked: tensors may be freed during static destruction
  return *c;
}

}  // namespace

void* cached_alloc(uint64_t bytes) {
  uint64_t cls = size_class(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= cls;
      c.in_use += cls;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlignment, cls);
  if (!p) {
    release_cached();
    p = std::aligned_alloc(kAlignment, cls);
    if (!p) return nullptr;
  }
  std::lock_guard<std::mutex> lock(c.mu);
  c.sizes[p] = cls;
  c.in_use += cls;
  return p;
}

void cached_free(void* ptr) {
  if (!ptr) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  uint64_t cls = c.sizes.at(ptr);
  c.in_use -= cls;
  if (c.cached + cls > kMaxCached) {
    c.sizes.erase(ptr);
    std::free(ptr);
    return;
  }
  c.free_blocks[cls].push_back(ptr);
  c.cached += cls;
}

uint64_t bytes_in_use() {
  std::lock_guard<std::mutex> lock(cache().mu);
  return cache().in_use;
}

uint64_t bytes_cached() {
  std::lock_guard<std::mutex> lock(cache().mu);
  return cache().cached;
}

void release_cached() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [cls, blocks] : c.free_blocks) {
    for (void* p : blocks) {
      c.sizes.erase(p);
      std::free(p);
    }
    blocks.clear();
  }
  c.cached = 0;
}

}  // namespace silica::cpu
