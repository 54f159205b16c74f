// Placeholder: filled in by the matmul kernels.
#include "kernel.h"

namespace silica::cpu {

void register_matmul_kernels() {}

}  // namespace silica::cpu
