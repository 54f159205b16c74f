// Philox4x32-10 and the mapping from its words to Silica's random values, exactly as
// include/silica/plugin.h documents it (and backends/cpu/philox.h implements it), in
// 32-bit arithmetic only: integers are bit-identical to the CPU's, floats come from the
// same bits (see random.comp for how each is rounded).
#ifndef SILICA_PHILOX_GLSL
#define SILICA_PHILOX_GLSL

uvec4 philox4x32_10(uvec4 ctr, uvec2 key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) key += uvec2(0x9E3779B9u, 0xBB67AE85u);
    uint hi0, lo0, hi1, lo1;
    umulExtended(0xD2511F53u, ctr.x, hi0, lo0);
    umulExtended(0xCD9E8D57u, ctr.z, hi1, lo1);
    ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
  }
  return ctr;
}

// The block of element i of a stream: counter = (offset + i) as (low, high, 0, 0), key = seed.
uvec4 philox_block(uvec2 seed, uvec2 offset, uint i) {
  uint lo = offset.x + i;
  uint hi = offset.y + (lo < offset.x ? 1u : 0u);
  return philox4x32_10(uvec4(lo, hi, 0u, 0u), seed);
}

// ---- 64-bit unsigned helpers on (low, high) pairs ----

uvec2 add64(uvec2 a, uvec2 b) {
  uint lo = a.x + b.x;
  return uvec2(lo, a.y + b.y + (lo < a.x ? 1u : 0u));
}

bool ge64(uvec2 a, uvec2 b) { return a.y > b.y || (a.y == b.y && a.x >= b.x); }

uvec2 sub64(uvec2 a, uvec2 b) { return uvec2(a.x - b.x, a.y - b.y - (a.x < b.x ? 1u : 0u)); }

// a mod m (m > 0) by shift-and-subtract long division.
uvec2 mod64(uvec2 a, uvec2 m) {
  uvec2 r = uvec2(0u);
  for (int bit = 63; bit >= 0; --bit) {
    const bool carry = (r.y >> 31) != 0u;  // r << 1 would pass 2^64, so it exceeds m
    r = uvec2(r.x << 1, (r.y << 1) | (r.x >> 31));
    r.x |= (bit >= 32 ? (a.y >> (bit - 32)) : (a.x >> bit)) & 1u;
    if (carry || ge64(r, m)) r = sub64(r, m);
  }
  return r;
}

// ---- Values from words ----

// The top `digits` (<= 24) bits of r0:r1 as a fraction k / 2^digits: exact in float.
float philox_unit(uvec4 r, int digits) { return float(r.x >> (32 - digits)) * exp2(-float(digits)); }

// u < p with u the 53-bit fraction of r0:r1, decided exactly for any float p.
bool philox_below(uvec4 r, float p) {
  if (!(p > 0.0)) return false;
  if (p >= 1.0) return true;
  const float top = float(r.x >> 8);  // u's first 24 bits, u in [top, top + 1) / 2^24
  const float scaled = p * 16777216.0;
  if (top + 1.0 <= scaled) return true;
  if (top > scaled) return false;
  // Same first 24 bits: compare the remaining 29 with p's remaining fraction.
  const uint rest = ((r.x & 0xffu) << 21) | (r.y >> 11);
  return rest < uint(ceil((scaled - top) * 536870912.0));
}

// A standard normal by Box-Muller: u1 = ((r0:r1 >> 11) + 1) / 2^53 in (0, 1], u2 from r2:r3.
// ln(u1) goes through log1p when u1 is near 1, where u1 itself would lose the digits.
float philox_normal(uvec4 r) {
  float log_u1;
  if ((r.x >> 31) != 0u) {
    // 2^53 - m = the 53-bit complement of r0:r1 >> 11.
    const float d = float(~r.x & 0x7fffffffu) * 2097152.0 + float((~r.y) >> 11);
    log_u1 = log1p_precise(-d * 1.1102230246251565e-16);  // * 2^-53
  } else {
    const float m = float(r.x) * 2097152.0 + float(r.y >> 11) + 1.0;
    log_u1 = log_precise(m * 1.1102230246251565e-16);
  }
  const float u2 = (float(r.z >> 8) + float(((r.z & 0xffu) << 16) | (r.w >> 16)) * 5.9604644775390625e-8) *
                   5.9604644775390625e-8;  // 2^-24
  // cos(2 pi u2) = -cos(2 pi (u2 - 1/2)): the argument stays in [-pi, pi).
  return sqrt(-2.0 * log_u1) * -cos(6.283185307179586 * (u2 - 0.5));
}

#endif
