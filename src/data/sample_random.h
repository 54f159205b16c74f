// Internal: host random numbers for data order and augmentation. Each value is a pure
// function of its key (seed, epoch, sample index, ...), so results do not depend on batch
// size, thread timing or the device, and a resumed run draws exactly the same numbers.
// SplitMix64 (Steele, Lea, Flood 2014) mixes the keys; it is tiny and passes BigCrush.
#pragma once

#include <cstdint>

namespace silica::data::detail {

/// SplitMix64's finalizer: a bijective scramble of 64 bits.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// A hash of several keys, order-sensitive.
inline uint64_t hash_keys(uint64_t a, uint64_t b) { return mix64(mix64(a) ^ b); }
inline uint64_t hash_keys(uint64_t a, uint64_t b, uint64_t c) { return hash_keys(hash_keys(a, b), c); }
inline uint64_t hash_keys(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  return hash_keys(hash_keys(a, b, c), d);
}

/// A SplitMix64 stream.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t s = state_;
    state_ += 0x9E3779B97F4A7C15ull;
    return mix64(s);
  }
  /// Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject), n > 0.
  uint64_t below(uint64_t n) {
    for (;;) {
      unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
      uint64_t low = static_cast<uint64_t>(m);
      if (low >= n || low >= (0 - n) % n) return static_cast<uint64_t>(m >> 64);
    }
  }

 private:
  uint64_t state_;
};

/// A uniform double in [0, 1) from 53 bits of `bits`.
inline double unit_double(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace silica::data::detail
