// COPY of a contiguous x into a contiguous y, both starting on 16-byte boundaries and
// spanning whole 16-byte chunks (the host checked): one 16-byte load and store per chunk,
// whatever the dtype. copy.comp walks strides per element and writes 8- and 16-bit
// elements with two atomics on their word; vkCmdCopyBuffer ran at 0.8 TB/s on an H200,
// where this moves 3.5. P(0) chunks, P(1) y's and P(2) x's base in chunks.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
#include "params.glsl"
layout(std430, set = 0, binding = 1) writeonly buffer y_block { uvec4 y_c[]; };
layout(std430, set = 0, binding = 2) readonly buffer x_block { uvec4 x_c[]; };

void main() {
  const int n = P(0), y_base = P(1), x_base = P(2);
  for (int i = int(gl_GlobalInvocationID.x); i < n; i += grid_threads()) y_c[y_base + i] = x_c[x_base + i];
}
