// The device's status word (binding 7): a kernel that finds bad input (an index out of
// range) records the first problem here instead of failing the dispatch; the host reads it
// at the next synchronization and reports it as an error (status.cpp / device.cpp).
#ifndef SILICA_STATUS_GLSL
#define SILICA_STATUS_GLSL

layout(std430, set = 0, binding = 7) buffer Status {
  uint status_code;  // 0: fine; 1: index out of range; 2: class target out of range
  int status_op;     // SilicaOp of the kernel that reported
  uint status_value_lo;
  uint status_value_hi;
  int status_axis;
  int status_size;
};

// Records "index (lo, hi) out of range for axis of size"; the first report wins.
void report_bad_index(int op, uint lo, uint hi, int axis, int size) {
  if (atomicCompSwap(status_code, 0u, 1u) == 0u) {
    status_op = op;
    status_value_lo = lo;
    status_value_hi = hi;
    status_axis = axis;
    status_size = size;
  }
}

// Records "class target (lo, hi) out of range for `classes` classes"; the first report wins.
void report_bad_target(int op, uint lo, uint hi, int classes) {
  if (atomicCompSwap(status_code, 0u, 2u) == 0u) {
    status_op = op;
    status_value_lo = lo;
    status_value_hi = hi;
    status_axis = 1;
    status_size = classes;
  }
}

#endif
