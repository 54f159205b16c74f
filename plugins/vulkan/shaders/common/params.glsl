// Per-dispatch parameters: up to 128 int32 words in a uniform buffer (binding 0), written
// by the host for each dispatch into a ring (see device.cpp). Floats travel as their bits.
#ifndef SILICA_PARAMS_GLSL
#define SILICA_PARAMS_GLSL

layout(std140, set = 0, binding = 0) uniform Params { ivec4 params_words[32]; };

// A select, not params_words[i >> 2][i & 3]: a vector indexed by a run-time component
// index is spilled to local memory by some compilers, on every call inside a loop.
int P(int i) {
  const ivec4 v = params_words[i >> 2];
  const int c = i & 3;
  return c == 0 ? v.x : c == 1 ? v.y : c == 2 ? v.z : v.w;
}
float PF(int i) { return intBitsToFloat(P(i)); }

// Threads of the whole dispatch along x (grid-stride loops).
int grid_threads() { return int(gl_NumWorkGroups.x * gl_WorkGroupSize.x); }

// Element offsets, in two operands, of linear index i over nd dims (row-major): dim d has
// size P(sizes + d) and strides P(a + d) and P(b + d). The batch walk of matmul, gather
// and to_f16_scaled (one operand: a == b).
ivec2 walk_offsets(int i, int nd, int sizes, int a, int b) {
  ivec2 off = ivec2(0);
  for (int d = nd - 1; d >= 0; --d) {
    const int s = P(sizes + d), c = i % s;
    i /= s;
    off += c * ivec2(P(a + d), P(b + d));
  }
  return off;
}

#endif
