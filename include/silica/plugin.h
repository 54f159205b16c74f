/*
 * Silica device plugin ABI.
 *
 * This header is the ONLY thing a device plugin sees of Silica. It is plain C
 * so that a plugin can be built out of tree, by any compiler, against this one
 * file. A plugin is a shared library named libsilica-<name>.so exporting
 *
 *     int silica_plugin_init(uint32_t core_abi_version, SilicaDeviceApi* out);
 *
 * The core passes SILICA_ABI_VERSION; a plugin refuses a major version it does
 * not know by returning non-zero and writing a message into out->error (which
 * the core reports in `silica devices`). On success the plugin fills *out.
 *
 * Rules every backend follows:
 * - Work is asynchronous: run/copy_to_device/copy_device/fill only enqueue.
 *   copy_to_host and synchronize wait for everything enqueued before them.
 * - Tensors cross as SilicaTensorDesc: buffer handle (from alloc), byte offset,
 *   dtype, shape and strides counted in elements. Outputs are allocated by the
 *   core, contiguous unless the op's comment below says otherwise.
 * - Op codes are stable: never renumbered, new ops are appended.
 * - The core promotes dtypes, broadcasts and checks shapes before calling run;
 *   a backend may trust the descriptors it receives.
 */
#ifndef SILICA_PLUGIN_H
#define SILICA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Major in the high 16 bits, minor in the low 16. A minor bump only appends. */
#define SILICA_ABI_VERSION_MAJOR 1
#define SILICA_ABI_VERSION_MINOR 1
#define SILICA_ABI_VERSION ((SILICA_ABI_VERSION_MAJOR << 16) | SILICA_ABI_VERSION_MINOR)
#define SILICA_ABI_MAJOR(v) ((uint32_t)(v) >> 16)

/* Most dimensions a tensor may have. */
#define SILICA_MAX_DIMS 8

typedef enum SilicaStatus {
  SILICA_OK = 0,
  SILICA_ERROR_UNSUPPORTED = 1,   /* op/dtype not implemented on this device */
  SILICA_ERROR_OUT_OF_MEMORY = 2, /* last_error says requested / in use / total */
  SILICA_ERROR_INVALID = 3,       /* bad arguments */
  SILICA_ERROR_DEVICE = 4         /* the driver or device failed */
} SilicaStatus;

typedef enum SilicaDType {
  SILICA_F32 = 0,
  SILICA_F64 = 1,
  SILICA_F16 = 2,
  SILICA_BF16 = 3,
  SILICA_I32 = 4,
  SILICA_I64 = 5,
  SILICA_U8 = 6,
  SILICA_BOOL = 7, /* one byte, 0 or 1 */
  SILICA_DTYPE_COUNT = 8
} SilicaDType;

typedef enum SilicaDeviceKind {
  SILICA_DEVICE_DISCRETE_GPU = 0,
  SILICA_DEVICE_INTEGRATED_GPU = 1,
  SILICA_DEVICE_CPU = 2, /* includes software GPUs such as Mesa lavapipe */
  SILICA_DEVICE_OTHER = 3
} SilicaDeviceKind;

typedef struct SilicaDeviceInfo {
  char name[128];        /* human readable, e.g. "NVIDIA H100 80GB HBM3" */
  int32_t kind;          /* SilicaDeviceKind */
  uint64_t memory_bytes; /* total memory usable by tensors */
  int32_t unified_memory;/* non-zero when host and device share memory */
  uint32_t dtype_mask;   /* bit (1u << SilicaDType) per dtype tensors may have */
} SilicaDeviceInfo;

typedef struct SilicaTensorDesc {
  void* buffer;     /* handle from alloc (on the CPU: a host pointer) */
  uint64_t offset;  /* byte offset of element 0 inside buffer */
  int32_t dtype;    /* SilicaDType */
  int32_t ndim;     /* 0 (a scalar) .. SILICA_MAX_DIMS */
  int64_t shape[SILICA_MAX_DIMS];
  int64_t strides[SILICA_MAX_DIMS]; /* in elements; 0 for broadcast dims */
} SilicaTensorDesc;

/* Attributes: a small tagged bag. Each op's comment names which slots it reads. */
typedef struct SilicaAttrs {
  int64_t ints[16];
  double floats[4];
  int32_t num_ints;
  int32_t num_floats;
} SilicaAttrs;

/*
 * Op codes. In/out lists name descriptors in order. "same shape" ops receive
 * inputs already broadcast (stride 0) to the output's shape, with arbitrary
 * strides; all other inputs are contiguous unless stated otherwise.
 */
typedef enum SilicaOp {
  /* Unary elementwise, same shape: in x, out y (dtype of x). */
  SILICA_OP_NEG = 1,
  SILICA_OP_ABS = 2,
  SILICA_OP_SIGN = 3,
  SILICA_OP_EXP = 4,
  SILICA_OP_LOG = 5,
  SILICA_OP_LOG1P = 6,
  SILICA_OP_SQRT = 7,
  SILICA_OP_RSQRT = 8,
  SILICA_OP_RECIPROCAL = 9,
  SILICA_OP_SIN = 10,
  SILICA_OP_COS = 11,
  SILICA_OP_TANH = 12,
  SILICA_OP_SIGMOID = 13,
  SILICA_OP_RELU = 14,
  SILICA_OP_GELU = 15,      /* ints[0]: 0 = erf form, 1 = tanh approximation */
  SILICA_OP_SILU = 16,
  SILICA_OP_SOFTPLUS = 17,  /* floats[0] beta, floats[1] threshold */

  /* Binary elementwise, same shape: in a, b (one dtype), out y. Comparisons
     write SILICA_BOOL. */
  SILICA_OP_ADD = 32,
  SILICA_OP_SUB = 33,
  SILICA_OP_MUL = 34,
  SILICA_OP_DIV = 35,
  SILICA_OP_POW = 36,
  SILICA_OP_MAXIMUM = 37,
  SILICA_OP_MINIMUM = 38,
  SILICA_OP_EQ = 39,
  SILICA_OP_NE = 40,
  SILICA_OP_LT = 41,
  SILICA_OP_LE = 42,
  SILICA_OP_GT = 43,
  SILICA_OP_GE = 44,

  /* Other elementwise, same shape. */
  SILICA_OP_WHERE = 64,      /* in cond (bool), a, b; out y */
  SILICA_OP_CLAMP = 65,      /* in x; out y; ints[0] has_min, ints[1] has_max, floats[0] min, floats[1] max */
  SILICA_OP_CAST = 66,       /* in x; out y of another dtype (float->int truncates; ->bool is x != 0) */
  SILICA_OP_COPY = 67,       /* in x; out y, same dtype; y may be any strided view (no overlap) */
  SILICA_OP_FILL = 68,       /* out y (contiguous); floats[0] value */
  SILICA_OP_UNARY_GRAD = 69, /* in x, dy; out dx: dy * d(op)/dx at x; ints[0] the unary op code,
                                ints[1..] and floats[] that op's attributes */

  /* Reductions: in x; out y with x's ndim and size 1 on reduced axes.
     ints[0] bitmask of reduced axes (bit i = axis i). */
  SILICA_OP_SUM = 96,
  SILICA_OP_MEAN = 97,
  SILICA_OP_MAX = 98,
  SILICA_OP_MIN = 99,
  SILICA_OP_ARGMAX = 100,    /* exactly one axis; out SILICA_I64; first index among ties */
  SILICA_OP_ARGMIN = 101,
  SILICA_OP_VAR = 102,       /* floats[0] correction (1 = unbiased) */
  SILICA_OP_STD = 103,       /* floats[0] correction */
  SILICA_OP_LOGSUMEXP = 104,

  /* Linear algebra. */
  SILICA_OP_MATMUL = 128,    /* in a (..., M, K), b (..., K, N); out y (..., M, N), batch dims of
                                one size. a and b may have batch strides of 0 and may be stored
                                transposed: in the last two dims either strides[-1] == 1 or
                                strides[-2] == 1. */

  /* Neural-network ops. */
  SILICA_OP_SOFTMAX = 160,      /* in x; out y; ints[0] axis */
  SILICA_OP_LOG_SOFTMAX = 161,  /* in x; out y; ints[0] axis */
  SILICA_OP_SOFTMAX_GRAD = 162, /* in y, dy; out dx; ints[0] axis, ints[1] 1 when y is log_softmax */
  SILICA_OP_CROSS_ENTROPY = 163,      /* in logits (N, C), target (N) i64; out loss (N): 0 where
                                         target == ints[0] (ignore_index); floats[0] label smoothing */
  SILICA_OP_CROSS_ENTROPY_GRAD = 164, /* in logits, target, dloss (N); out dlogits (N, C); same attrs */
  SILICA_OP_CONV2D = 165,             /* in x (N,C,H,W), w (O,C/g,KH,KW), optional bias (O); out y.
                                         ints: stride h,w, padding h,w, dilation h,w, groups */
  SILICA_OP_CONV2D_GRAD_INPUT = 166,  /* in dy, w; out dx; conv attrs */
  SILICA_OP_CONV2D_GRAD_WEIGHT = 167, /* in dy, x; out dw; conv attrs */
  SILICA_OP_MAX_POOL2D = 168,         /* in x; out y, indices (i64, flat h*W+w in the input plane);
                                         ints: kernel h,w, stride h,w, padding h,w, dilation h,w */
  SILICA_OP_MAX_POOL2D_GRAD = 169,    /* in dy, indices; out dx; ints: the forward's (cores of
                                         ABI 1.1 pass them; a kernel must accept num_ints == 0) */
  SILICA_OP_AVG_POOL2D = 170,         /* in x; out y; ints: kernel h,w, stride h,w, padding h,w,
                                         count_include_pad */
  SILICA_OP_AVG_POOL2D_GRAD = 171,    /* in dy; out dx; same attrs */
  SILICA_OP_ADAPTIVE_AVG_POOL2D = 172,      /* in x; out y (output size from y's shape) */
  SILICA_OP_ADAPTIVE_AVG_POOL2D_GRAD = 173, /* in dy; out dx */

  /* Indexing. Index tensors are SILICA_I64. */
  SILICA_OP_INDEX_SELECT = 192, /* in x, index (K); out y: x with axis ints[0] picked by index */
  SILICA_OP_INDEX_ADD = 193,    /* in base, index (K), src; out y = base, then y[.., index[k], ..] += src[.., k, ..] */
  SILICA_OP_GATHER = 194,       /* in x, index (shape of y); out y; ints[0] axis */
  SILICA_OP_SCATTER_ADD = 195,  /* in base, index, src (index's shape); out y = base, then
                                   y[.., index[i], ..] += src[i] along axis ints[0] */

  /* Random numbers from Philox4x32-10: element i of the output is drawn from
     counter (ints[1] + i) under key ints[0] (the seed), so every device gives
     the same numbers for the same seed.
     Exact mapping (backends/cpu/philox.h): key = (seed low 32 bits, seed high 32 bits);
     counter = ((ints[1] + i) low 32 bits, high 32 bits, 0, 0); r0..r3 = the output words;
     W = r0 * 2^32 + r1, fraction(W, d) = (W >> (64 - d)) / 2^d.
     UNIFORM: u = fraction(W, d) with d = 24 (f32), 53 (f64), 11 (f16), 8 (bf16), so u is exact
       in the output type; y = low + (high - low) * u in double, rounded once; a y that
       rounds to >= high is replaced by low.
     NORMAL: Box-Muller in double: u1 = ((W >> 11) + 1) / 2^53, u2 = fraction(r2 * 2^32 + r3, 53),
       y = mean + std * sqrt(-2 ln u1) cos(2 pi u2), rounded once.
     RAND_INT: range = high - low; y = low + (r0 mod range) when range <= 2^32, else
       low + (W mod range).
     BERNOULLI: y = 1 when fraction(W, 53) < p (p read in its dtype, compared in double). */
  SILICA_OP_RAND_UNIFORM = 224, /* out y (float); floats[0] low, floats[1] high */
  SILICA_OP_RAND_NORMAL = 225,  /* out y (float); floats[0] mean, floats[1] std */
  SILICA_OP_RAND_INT = 226,     /* out y (i32/i64); ints[2] low, ints[3] high (exclusive) */
  SILICA_OP_BERNOULLI = 227,    /* in p (float, same shape); out y (dtype of p): 1 with probability p */

  /* Optimizer updates (ABI 1.1). The outputs are the caller's tensors, contiguous, of one
     shape and dtype with the inputs, read and updated in place. A device without them makes
     the core compose the update from elementwise ops. */
  SILICA_OP_ADAM_UPDATE = 256   /* in g; out p, m (exp_avg), v (exp_avg_sq), and vmax (max_exp_avg_sq)
                                   when ints[1] (amsgrad) is 1. floats[0] lr, [1] beta1, [2] beta2,
                                   [3] eps; ints[0] step t >= 1. In the order the core composes it:
                                   m = m*beta1 + g*(1-beta1); v = v*beta2 + (g*g)*(1-beta2);
                                   amsgrad: vmax = maximum(vmax, v), used for v below;
                                   p = p + (m / (sqrt(v) / sqrt(1-beta2^t) + eps)) * (-lr / (1-beta1^t)).
                                   Weight decay is applied by the core before this op. */
} SilicaOp;

/* The table a plugin fills. Members marked (optional) may be NULL. */
typedef struct SilicaDeviceApi {
  /* ABI version the plugin was built against (SILICA_ABI_VERSION). */
  uint32_t abi_version;
  /* Short lower-case plugin name: "vulkan", "cuda". Devices are named "<name>:<index>". */
  const char* name;
  /* Opaque state handed back to every call. */
  void* context;

  /* Number of devices this plugin drives (may be 0). */
  int32_t (*device_count)(void* context);
  /* Describes device `device`. */
  SilicaStatus (*device_info)(void* context, int32_t device, SilicaDeviceInfo* out);

  /* Allocates `bytes` of device memory (the plugin should cache; bytes may be 0). */
  SilicaStatus (*alloc)(void* context, int32_t device, uint64_t bytes, void** out_buffer);
  /* Returns a buffer from alloc once all enqueued work using it has been ordered. */
  void (*free)(void* context, int32_t device, void* buffer);
  /* Enqueues a copy of `bytes` from host memory into buffer+offset; the host
     memory may be reused as soon as this returns. */
  SilicaStatus (*copy_to_device)(void* context, int32_t device, void* dst, uint64_t dst_offset,
                                 const void* src, uint64_t bytes);
  /* Waits for enqueued work, then copies `bytes` from buffer+offset to host memory. */
  SilicaStatus (*copy_to_host)(void* context, int32_t device, void* dst, const void* src,
                               uint64_t src_offset, uint64_t bytes);
  /* Enqueues a device-to-device copy. */
  SilicaStatus (*copy_device)(void* context, int32_t device, void* dst, uint64_t dst_offset,
                              const void* src, uint64_t src_offset, uint64_t bytes);
  /* Waits until all enqueued work on `device` has finished. */
  SilicaStatus (*synchronize)(void* context, int32_t device);
  /* Submits recorded work without waiting (optional). */
  SilicaStatus (*flush)(void* context, int32_t device);

  /* Non-zero when `op` runs on `device` with inputs of `dtype`: the dtype of the first
     input (of `a` for WHERE; of the output for ops without inputs). */
  int32_t (*supports)(void* context, int32_t device, int32_t op, int32_t dtype);
  /* Enqueues `op`. Descriptors and attrs are only valid during the call. */
  SilicaStatus (*run)(void* context, int32_t device, int32_t op, const SilicaTensorDesc* inputs,
                      int32_t num_inputs, const SilicaTensorDesc* outputs, int32_t num_outputs,
                      const SilicaAttrs* attrs);

  /* Text of the last error on this thread ("" when none). */
  const char* (*last_error)(void* context);
  /* Releases everything; called once at exit (optional). */
  void (*shutdown)(void* context);

  /* Filled by a plugin that refuses to load: why, and what to do. */
  char error[256];
} SilicaDeviceApi;

/* The one symbol a plugin exports. Returns 0 on success. */
typedef int (*SilicaPluginInitFn)(uint32_t core_abi_version, SilicaDeviceApi* out);
#define SILICA_PLUGIN_INIT_SYMBOL "silica_plugin_init"

#ifdef __cplusplus
}
#endif

#endif /* SILICA_PLUGIN_H */
