// Per-dispatch parameters: up to 128 int32 words in a uniform buffer (binding 0), written
// by the host for each dispatch into a ring (see device.cpp). Floats travel as their bits.
#ifndef SILICA_PARAMS_GLSL
#define SILICA_PARAMS_GLSL

layout(std140, set = 0, binding = 0) uniform Params { ivec4 params_words[32]; };

int P(int i) { return params_words[i >> 2][i & 3]; }
float PF(int i) { return intBitsToFloat(P(i)); }

// Threads of the whole dispatch along x (grid-stride loops).
int grid_threads() { return int(gl_NumWorkGroups.x * gl_WorkGroupSize.x); }

#endif
