// Row-wise helpers for kernels that give each row (softmax row, cross-entropy sample) to
// one workgroup of 256 invocations (MODE 1) or to one invocation (MODE 0).
#ifndef SILICA_ROW_REDUCE_GLSL
#define SILICA_ROW_REDUCE_GLSL

#define ROW_LOCAL 256
layout(local_size_x = ROW_LOCAL) in;
layout(constant_id = 3) const int MODE = 0;

shared float row_sh[ROW_LOCAL];

int first_row() { return MODE == 0 ? int(gl_GlobalInvocationID.x) : int(gl_WorkGroupID.x); }
int row_step() { return MODE == 0 ? grid_threads() : int(gl_NumWorkGroups.x); }
int first_col() { return MODE == 0 ? 0 : int(gl_LocalInvocationID.x); }
int col_step() { return MODE == 0 ? 1 : ROW_LOCAL; }
// Whether this invocation writes per-row results (all do in MODE 0).
bool row_leader() { return MODE == 0 || gl_LocalInvocationID.x == 0u; }

// Sum of v over the workgroup (MODE 1), or v itself.
float row_sum(float v) {
  if (MODE == 0) return v;
  const uint t = gl_LocalInvocationID.x;
  row_sh[t] = v;
  barrier();
  for (uint s = ROW_LOCAL / 2; s > 0; s >>= 1) {
    if (t < s) row_sh[t] += row_sh[t + s];
    barrier();
  }
  float r = row_sh[0];
  barrier();
  return r;
}

// NaN-keeping maximum: a NaN must reach every output of its row.
float max_keep_nan(float m, float v) { return (v > m || isnan(v)) ? v : m; }

float row_max(float v) {
  if (MODE == 0) return v;
  const uint t = gl_LocalInvocationID.x;
  row_sh[t] = v;
  barrier();
  for (uint s = ROW_LOCAL / 2; s > 0; s >>= 1) {
    if (t < s) row_sh[t] = max_keep_nan(row_sh[t], row_sh[t + s]);
    barrier();
  }
  float r = row_sh[0];
  barrier();
  return r;
}

#endif
