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

#endif
