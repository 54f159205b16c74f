// A caching host allocator, so a training step does not call malloc for every tensor.
#pragma once

#include <cstdint>

namespace silica::cpu {

/// 64-byte aligned block of at least `bytes`; reuses a cached block of the same size class.
void* cached_alloc(uint64_t bytes);
/// Returns a block from cached_alloc to the cache.
void cached_free(void* ptr);
/// Bytes currently handed out, and bytes held in the cache.
uint64_t bytes_in_use();
uint64_t bytes_cached();
/// Gives cached blocks back to the system.
void release_cached();

}  // namespace silica::cpu
