// Placeholder: filled in by the pool kernels.
#include "kernel.h"

namespace silica::cpu {

void register_pool_kernels() {}

}  // namespace silica::cpu
