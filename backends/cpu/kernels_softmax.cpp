// Placeholder: filled in by the softmax kernels.
#include "kernel.h"

namespace silica::cpu {

void register_softmax_kernels() {}

}  // namespace silica::cpu
