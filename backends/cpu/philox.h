// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), the counter-based generator behind Silica's random ops, and the mapping from
// its output words to the numbers the RAND_* / BERNOULLI ops produce.
//
// Plain C++ with no Silica headers, so tests and any backend can include it; a device
// plugin reproduces these few lines to give bit-identical integer streams.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace silica::cpu {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

/// Ten rounds of Philox4x32 on `ctr` under `key`.
inline PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {  // the key schedule bumps the key before every round but the first
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    uint64_t p0 = static_cast<uint64_t>(kMul0) * ctr[0];
    uint64_t p1 = static_cast<uint64_t>(kMul1) * ctr[2];
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

/// The block for element `counter` of a stream seeded with `seed`: key = the seed's low and
/// high 32-bit words, counter = (low, high word of `counter`, 0, 0).
inline PhiloxCounter philox_block(uint64_t seed, uint64_t counter) {
  return philox4x32_10({static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0u, 0u},
                       {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
}

/// Two words as one 64-bit number, the first word high.
inline uint64_t philox_join(uint32_t high, uint32_t low) { return (static_cast<uint64_t>(high) << 32) | low; }

/// The top `digits` bits (1..53) of the 64-bit word w as a fraction k / 2^digits in [0, 1).
/// With digits = the significand width of the result type (24 f32, 53 f64, 11 f16, 8 bf16)
/// every value is exact in that type, so a uniform never rounds up to 1.
inline double philox_unit(uint64_t w, int digits) {
  return std::ldexp(static_cast<double>(w >> (64 - digits)), -digits);
}

/// A standard normal by Box-Muller from one block: u1 from words 0,1 (53 bits, in (0, 1]
/// so the log is finite), u2 from words 2,3; z = sqrt(-2 ln u1) cos(2 pi u2), in double.
inline double philox_normal(const PhiloxCounter& r) {
  constexpr double kTwoPi = 6.283185307179586;
  double u1 = std::ldexp(static_cast<double>((philox_join(r[0], r[1]) >> 11) + 1), -53);
  double u2 = philox_unit(philox_join(r[2], r[3]), 53);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace silica::cpu
