// Elementwise ops over up to four same-shape tensors with arbitrary strides (0 on
// broadcast axes). The host collapses the shape first (kernel_util.cpp), so most ops see
// one or two dims. Parameter layout:
//   P(0) element count, P(1) ndim, P(2..9) shape,
//   operand k (0 = output): P(10 + 9k) base element offset, P(11 + 9k ..) strides.
// Op-specific parameters start at P(EXTRA).
#ifndef SILICA_STRIDED_GLSL
#define SILICA_STRIDED_GLSL

#define EXTRA 48

// Element offsets of linear element i (row-major over the shape) in the four operands.
ivec4 elem_offsets(int i) {
  int nd = P(1);
  ivec4 off = ivec4(P(10), P(19), P(28), P(37));
  for (int d = nd - 1; d > 0; --d) {
    int s = P(2 + d);
    int c = i % s;
    i /= s;
    off += c * ivec4(P(11 + d), P(20 + d), P(29 + d), P(38 + d));
  }
  return off + i * ivec4(P(11), P(20), P(29), P(38));
}

#endif
