// TRANSPOSE: y (B, C, R), contiguous = x (B, R, C) with a unit stride along C, for 2- and
// 4-byte elements (moves bits): COPY of a view whose last two dims are swapped, as
// x.mT().contiguous() makes (kernels_transpose.cpp). The strided copy (copy.comp) reads or
// writes one side a row apart per invocation, so it moves a transposed matrix at a
// fraction of the memory's speed; here a workgroup reads a tile of x along its rows into
// shared memory and writes it along y's rows, so both sides move whole 128-byte lines.
//
// The host checks what the word addressing needs: for 2-byte elements x's base, row and
// batch strides and y's base even, and R even (no word of y straddles two rows).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
#include "params.glsl"
layout(constant_id = 0) const uint PER_WORD = 1;  // elements a 32-bit word holds: 1 or 2

// Module transpose_chunks (SILICA_CHUNKS): every row of x and y starts on a 16-byte boundary
// and holds whole 16-byte chunks (the host checked), which then move in one access each.
#ifdef SILICA_CHUNKS
layout(std430, set = 0, binding = 1) writeonly buffer y_block { uvec4 y_c[]; };
layout(std430, set = 0, binding = 2) readonly buffer x_block { uvec4 x_c[]; };
#else
layout(std430, set = 0, binding = 1) writeonly buffer y_block { uint y_w[]; };
layout(std430, set = 0, binding = 2) readonly buffer x_block { uint x_w[]; };
#endif

// A tile: 64 rows of x, 32 words (128 bytes) each, so 64 x TJ elements; in y, TJ rows of 64
// elements. Word w of row r sits at r * 32 + (w ^ swizzle(r)): the column walk of the
// write phase, 8 (2-byte) or 4 (4-byte) rows apart per neighbouring invocation, then hits
// distinct banks, and a chunk's 4 words stay side by side.
const uint TI = 64, WORDS = 32, TJ = WORDS * PER_WORD;
const uint Y_CHUNK = 4 * PER_WORD;  // elements of a 16-byte chunk
shared uint tile[TI * WORDS];
uint swizzle(uint r) { return ((r / Y_CHUNK) & 7u) << 2; }

void main() {
  const uint R = P(0), C = P(1), batches = P(2), x_row = P(3), x_batch = P(4), x_base = P(5),
             y_base = P(6);
  const uint t = gl_LocalInvocationID.x;
  const uint i0 = gl_WorkGroupID.y * TI, j0 = gl_WorkGroupID.x * TJ;
  for (uint b = gl_WorkGroupID.z; b < batches; b += gl_NumWorkGroups.z) {
    // Read: 64 rows of 8 chunks, 2 chunks an invocation, 8 invocations a row.
    [[unroll]] for (uint k = 0; k < 2; ++k) {
      const uint c = t + 256 * k, r = c / 8, q = c % 8, i = i0 + r;
      const uint at = (x_base + b * x_batch + i * x_row + j0) / PER_WORD + 4 * q;  // in words
      const uint to = r * WORDS + ((4 * q) ^ swizzle(r));
#ifdef SILICA_CHUNKS
      if (i < R && j0 + 4 * q * PER_WORD < C) {
        const uvec4 v = x_c[at / 4];
        tile[to] = v.x, tile[to + 1] = v.y, tile[to + 2] = v.z, tile[to + 3] = v.w;
      }
#else
      [[unroll]] for (uint e = 0; e < 4; ++e) {
        // For an odd C the last word's high half lies past the row; it lands in a slot of
        // column C, which the write below never reads.
        if (i < R && j0 + (4 * q + e) * PER_WORD < C) tile[to + e] = x_w[at + e];
      }
#endif
    }
    barrier();
    // Write: TJ rows of y, 64 elements each as 16 / PER_WORD chunks; 2 chunks an invocation.
    [[unroll]] for (uint k = 0; k < 2; ++k) {
      const uint c = t + 256 * k, per_row = TI / Y_CHUNK, j = c / per_row, p = c % per_row;
      const uint jj = j0 + j;
      const uint at = (y_base + b * R * C + jj * R + i0) / PER_WORD + 4 * p;  // in words
      const uint shift = PER_WORD == 2 ? 16 * (j & 1) : 0;
      uint w[4];
      [[unroll]] for (uint e = 0; e < 4; ++e) {
        // Word e of the chunk holds elements i0 + Y_CHUNK p + PER_WORD e (and + 1).
        const uint r = Y_CHUNK * p + PER_WORD * e;
        w[e] = tile[r * WORDS + ((j / PER_WORD) ^ swizzle(r))] >> shift;
        if (PER_WORD == 2) {
          const uint high = tile[(r + 1) * WORDS + ((j / 2) ^ swizzle(r + 1))] >> shift;
          w[e] = (w[e] & 0xffffu) | (high << 16);
        }
      }
#ifdef SILICA_CHUNKS
      if (jj < C && i0 + Y_CHUNK * p < R) y_c[at / 4] = uvec4(w[0], w[1], w[2], w[3]);
#else
      [[unroll]] for (uint e = 0; e < 4; ++e) {
        if (jj < C && i0 + Y_CHUNK * p + PER_WORD * e < R) y_w[at + e] = w[e];
      }
#endif
    }
    barrier();  // the next batch's reads reuse the tile
  }
}
