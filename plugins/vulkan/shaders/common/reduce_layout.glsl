// Reductions: the input's axes split into kept ones (indexing the output, row-major) and
// reduced ones; the host merges neighbouring axes of each kind where it can. Parameters:
//   P(0) outputs, P(1) values per output,
//   P(2) kept ndim, P(3..10) kept shape, P(11..18) kept strides of x,
//   P(19) reduced ndim, P(20..27) reduced shape, P(28..35) reduced strides of x,
//   P(36) x base, P(37) y base, PF(38) a float attribute (var/std: the correction),
//   P(39) values per split (reduce_float's MODE 1; see there).
// MODE 0: one invocation per output; MODE 1: one 256-wide workgroup per output, values
// spread over its invocations and combined in shared memory; MODE 2 (sums of outputs
// that are neighbours in x): 32 outputs per workgroup, 8 invocations each.
#ifndef SILICA_REDUCE_LAYOUT_GLSL
#define SILICA_REDUCE_LAYOUT_GLSL

#define REDUCE_LOCAL 256
layout(local_size_x = REDUCE_LOCAL) in;
layout(constant_id = 3) const int MODE = 0;

int kept_offset(int o) {
  int off = P(36);
  for (int d = P(2) - 1; d >= 0; --d) {
    int s = P(3 + d);
    off += (o % s) * P(11 + d);
    o /= s;
  }
  return off;
}

int reduced_offset(int r) {
  if (P(19) == 1) return r * P(28);  // the common case, without a division
  int off = 0;
  for (int d = P(19) - 1; d >= 0; --d) {
    int s = P(20 + d);
    off += (r % s) * P(28 + d);
    r /= s;
  }
  return off;
}

// The outputs this invocation (MODE 0) or workgroup (MODE 1) handles: first, step.
int first_output() { return MODE == 0 ? int(gl_GlobalInvocationID.x) : int(gl_WorkGroupID.x); }
int output_step() { return MODE == 0 ? grid_threads() : int(gl_NumWorkGroups.x); }
// The values of one output this invocation visits: first, step.
int first_value() { return MODE == 0 ? 0 : int(gl_LocalInvocationID.x); }
int value_step() { return MODE == 0 ? 1 : REDUCE_LOCAL; }

#endif
