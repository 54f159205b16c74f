// Routes each op code to its kernel family.
#include "kernels.h"

#include <string>

#include "instance.h"
#include "kernel_util.h"

namespace silica::vk {

namespace {

struct Family {
  RunFn run;
  bool (*supports)(const DeviceFeatures&, int32_t, int32_t);
};

// The family of an op code, by the ranges plugin.h groups them in.
const Family* family_of(int32_t op) {
  static const Family elementwise{run_elementwise, elementwise_supports};
  static const Family reduce{run_reduce, reduce_supports};
  static const Family matmul{run_matmul, matmul_supports};
  static const Family softmax{run_softmax, softmax_supports};
  static const Family conv{run_conv, conv_supports};
  static const Family pool{run_pool, pool_supports};
  static const Family index{run_index, index_supports};
  static const Family random{run_random, random_supports};
  static const Family optim{run_optim, optim_supports};
  if (op >= SILICA_OP_NEG && op <= SILICA_OP_UNARY_GRAD) return &elementwise;
  if (op >= SILICA_OP_SUM && op <= SILICA_OP_LOGSUMEXP) return &reduce;
  if (op == SILICA_OP_MATMUL) return &matmul;
  if (op >= SILICA_OP_SOFTMAX && op <= SILICA_OP_CROSS_ENTROPY_GRAD) return &softmax;
  if (op >= SILICA_OP_CONV2D && op <= SILICA_OP_CONV2D_GRAD_WEIGHT) return &conv;
  if (op >= SILICA_OP_MAX_POOL2D && op <= SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD) return &pool;
  if (op >= SILICA_OP_INDEX_SELECT && op <= SILICA_OP_SCATTER_ADD) return &index;
  if (op >= SILICA_OP_RAND_UNIFORM && op <= SILICA_OP_BERNOULLI) return &random;
  if (op == SILICA_OP_ADAM_UPDATE) return &optim;
  return nullptr;
}

}  // namespace

uint32_t device_dtype_mask(const DeviceFeatures&) {
  // Every dtype but f64 (no shader may use float64: Apple GPUs lack it). Narrow types are
  // stored in 32-bit words (see shaders/common/tensor.glsl), so they need no device feature.
  return kAll;
}

bool op_supported(const DeviceFeatures& features, int32_t op, int32_t dtype) {
  const Family* f = family_of(op);
  if (!f || !((device_dtype_mask(features) >> dtype) & 1u)) return false;
  // Arithmetic on i64 needs the *_i64 shader variants, which need shaderInt64.
  if (dtype == SILICA_I64 && !features.shader_int64) {
    const bool moves_bits = op == SILICA_OP_COPY || op == SILICA_OP_FILL || op == SILICA_OP_WHERE ||
                            op == SILICA_OP_INDEX_SELECT || op == SILICA_OP_GATHER || op == SILICA_OP_RAND_INT;
    if (!moves_bits) return false;
  }
  return f->supports(features, op, dtype);
}

SilicaStatus run_op(Device& device, int32_t op, const SilicaTensorDesc* in, int32_t num_in,
                    const SilicaTensorDesc* out, int32_t num_out, const SilicaAttrs* attrs) {
  const Family* f = family_of(op);
  int32_t dtype = num_in > 0 ? in[0].dtype : (num_out > 0 ? out[0].dtype : SILICA_F32);
  if (op == SILICA_OP_WHERE && num_in > 1) dtype = in[1].dtype;
  if (!f || !op_supported(device.physical().features, op, dtype))
    return fail(SILICA_ERROR_UNSUPPORTED, std::string(op_name(op)) + " has no Vulkan kernel for " + dtype_label(dtype));
  for (int i = 0; i < num_out; ++i)
    if (numel(out[i]) == 0) return SILICA_OK;
  return f->run(device, op, in, num_in, out, num_out, attrs);
}

const char* op_name(int32_t op) {
  switch (op) {
    case SILICA_OP_NEG: return "neg";
    case SILICA_OP_ABS: return "abs";
    case SILICA_OP_SIGN: return "sign";
    case SILICA_OP_EXP: return "exp";
    case SILICA_OP_LOG: return "log";
    case SILICA_OP_LOG1P: return "log1p";
    case SILICA_OP_SQRT: return "sqrt";
    case SILICA_OP_RSQRT: return "rsqrt";
    case SILICA_OP_RECIPROCAL: return "reciprocal";
    case SILICA_OP_SIN: return "sin";
    case SILICA_OP_COS: return "cos";
    case SILICA_OP_TANH: return "tanh";
    case SILICA_OP_SIGMOID: return "sigmoid";
    case SILICA_OP_RELU: return "relu";
    case SILICA_OP_GELU: return "gelu";
    case SILICA_OP_SILU: return "silu";
    case SILICA_OP_SOFTPLUS: return "softplus";
    case SILICA_OP_ADD: return "add";
    case SILICA_OP_SUB: return "sub";
    case SILICA_OP_MUL: return "mul";
    case SILICA_OP_DIV: return "div";
    case SILICA_OP_POW: return "pow";
    case SILICA_OP_MAXIMUM: return "maximum";
    case SILICA_OP_MINIMUM: return "minimum";
    case SILICA_OP_EQ: return "eq";
    case SILICA_OP_NE: return "ne";
    case SILICA_OP_LT: return "lt";
    case SILICA_OP_LE: return "le";
    case SILICA_OP_GT: return "gt";
    case SILICA_OP_GE: return "ge";
    case SILICA_OP_WHERE: return "where";
    case SILICA_OP_CLAMP: return "clamp";
    case SILICA_OP_CAST: return "cast";
    case SILICA_OP_COPY: return "copy";
    case SILICA_OP_FILL: return "fill";
    case SILICA_OP_UNARY_GRAD: return "unary_grad";
    case SILICA_OP_SUM: return "sum";
    case SILICA_OP_MEAN: return "mean";
    case SILICA_OP_MAX: return "max";
    case SILICA_OP_MIN: return "min";
    case SILICA_OP_ARGMAX: return "argmax";
    case SILICA_OP_ARGMIN: return "argmin";
    case SILICA_OP_VAR: return "var";
    case SILICA_OP_STD: return "std";
    case SILICA_OP_LOGSUMEXP: return "logsumexp";
    case SILICA_OP_MATMUL: return "matmul";
    case SILICA_OP_SOFTMAX: return "softmax";
    case SILICA_OP_LOG_SOFTMAX: return "log_softmax";
    case SILICA_OP_SOFTMAX_GRAD: return "softmax_grad";
    case SILICA_OP_CROSS_ENTROPY: return "cross_entropy";
    case SILICA_OP_CROSS_ENTROPY_GRAD: return "cross_entropy_grad";
    case SILICA_OP_CONV2D: return "conv2d";
    case SILICA_OP_CONV2D_GRAD_INPUT: return "conv2d_grad_input";
    case SILICA_OP_CONV2D_GRAD_WEIGHT: return "conv2d_grad_weight";
    case SILICA_OP_MAX_POOL2D: return "max_pool2d";
    case SILICA_OP_MAX_POOL2D_GRAD: return "max_pool2d_grad";
    case SILICA_OP_AVG_POOL2D: return "avg_pool2d";
    case SILICA_OP_AVG_POOL2D_GRAD: return "avg_pool2d_grad";
    case SILICA_OP_ADAPTIVE_AVG_POOL2D: return "adaptive_avg_pool2d";
    case SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD: return "adaptive_avg_pool2d_grad";
    case SILICA_OP_INDEX_SELECT: return "index_select";
    case SILICA_OP_INDEX_ADD: return "index_add";
    case SILICA_OP_GATHER: return "gather";
    case SILICA_OP_SCATTER_ADD: return "scatter_add";
    case SILICA_OP_RAND_UNIFORM: return "rand_uniform";
    case SILICA_OP_RAND_NORMAL: return "rand_normal";
    case SILICA_OP_RAND_INT: return "rand_int";
    case SILICA_OP_BERNOULLI: return "bernoulli";
    case SILICA_OP_ADAM_UPDATE: return "adam_update";
    default: return "op";
  }
}

}  // namespace silica::vk
