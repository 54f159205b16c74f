// Batched matrix product through OpenBLAS. Inputs a (..., M, K) and b (..., K, N) share
// y's batch dims (strides may be 0 there) and are row-major or transposed in their last
// two dims; BLAS reads them in place through its trans flags and leading dimensions.
// f16/bf16 are converted to float per matrix, multiplied with sgemm and converted back.
#include <cstring>
#include <vector>

#include "gemm.h"

namespace silica::cpu {

namespace {

// How BLAS reads a rows x cols matrix whose element (i, j) is at i*sr + j*sc.
struct Layout {
  bool ok = false;     // false: the strides fit neither form; the matrix must be packed
  bool trans = false;  // stored as cols x rows row-major
  int64_t ld = 1;
};

Layout classify(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  // The stride of a size-1 dim is never used, so such dims fit either form.
  if ((sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1)))
    return {true, false, rows <= 1 ? std::max<int64_t>(cols, 1) : sr};
  if ((sr == 1 || rows <= 1) && (cols <= 1 || sc >= std::max<int64_t>(rows, 1)))
    return {true, true, cols <= 1 ? std::max<int64_t>(rows, 1) : sc};
  return {};
}

// One operand of the product: its element type T, the matrix strides and batch strides.
struct Operand {
  int64_t rows, cols, sr, sc;
  const int64_t* batch_strides;
  Layout layout;
};

/// Copies a strided rows x cols matrix into a contiguous row-major one, converting to C.
template <typename C, typename T>
void pack(const T* src, const Operand& op, std::vector<C>& dst) {
  dst.resize(static_cast<size_t>(op.rows * op.cols));
  C* d = dst.data();
  parallel_for(op.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(op.cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      for (int64_t j = 0; j < op.cols; ++j)
        d[i * op.cols + j] = static_cast<C>(static_cast<compute_t<T>>(src[i * op.sr + j * op.sc]));
  });
}

struct Scratch {
  template <typename C>
  std::vector<C>& buf(int which) {
    if constexpr (std::is_same_v<C, double>) return dbl[which];
    else return flt[which];
  }
  std::vector<float> flt[3];
  std::vector<double> dbl[3];
};

template <typename T>
SilicaStatus matmul_typed(const SilicaTensorDesc& a, const SilicaTensorDesc& b, const SilicaTensorDesc& y) {
  using C = gemm_t<T>;
  constexpr bool kDirect = std::is_same_v<T, C>;
  const int nd = y.ndim, bd = nd - 2;
  const int64_t M = y.shape[nd - 2], N = y.shape[nd - 1], K = a.shape[nd - 1];
  int64_t batches = 1;
  for (int d = 0; d < bd; ++d) batches *= y.shape[d];
  T* out = data<T>(y);
  if (M == 0 || N == 0 || batches == 0) return SILICA_OK;
  if (K == 0) {  // an empty sum: zeros (BLAS may refuse k = 0 with its leading dims)
    std::memset(static_cast<void*>(out), 0, static_cast<size_t>(batches * M * N) * sizeof(T));
    return SILICA_OK;
  }
  if (!fits_blas({M, N, K, a.strides[nd - 2], a.strides[nd - 1], b.strides[nd - 2], b.strides[nd - 1]}))
    return set_error(SILICA_ERROR_UNSUPPORTED, "matmul: matrix sizes or strides beyond 2^31 are not supported");
  Operand oa{M, K, a.strides[nd - 2], a.strides[nd - 1], a.strides, classify(M, K, a.strides[nd - 2], a.strides[nd - 1])};
  Operand ob{K, N, b.strides[nd - 2], b.strides[nd - 1], b.strides, classify(K, N, b.strides[nd - 2], b.strides[nd - 1])};
  const T* pa0 = data<const T>(a);
  const T* pb0 = data<const T>(b);

  // Element offset of batch `index` (row-major over y's batch dims) in an operand.
  auto batch_offset = [&](const Operand& op, int64_t index) {
    int64_t off = 0;
    for (int d = bd - 1; d >= 0; --d) {
      off += (index % y.shape[d]) * op.batch_strides[d];
      index /= y.shape[d];
    }
    return off;
  };
  // Operand matrix as BLAS reads it: in place when possible, else packed into `buf`.
  auto prepare = [&](const T* src, const Operand& op, std::vector<C>& buf, Layout& used) -> const C* {
    if constexpr (kDirect) {
      if (op.layout.ok) {
        used = op.layout;
        return src;
      }
    }
    pack<C>(src, op, buf);
    used = {true, false, op.cols};
    return buf.data();
  };
  auto one = [&](int64_t index, Scratch& s) {
    Layout la, lb;
    const C* ga = prepare(pa0 + batch_offset(oa, index), oa, s.buf<C>(0), la);
    const C* gb = prepare(pb0 + batch_offset(ob, index), ob, s.buf<C>(1), lb);
    T* dst = out + index * M * N;
    if constexpr (kDirect) {
      gemm<C>(la.trans, lb.trans, M, N, K, ga, la.ld, gb, lb.ld, C(0), dst, N);
    } else {
      std::vector<C>& tmp = s.buf<C>(2);
      tmp.resize(static_cast<size_t>(M * N));
      gemm<C>(la.trans, lb.trans, M, N, K, ga, la.ld, gb, lb.ld, C(0), tmp.data(), N);
      const C* t = tmp.data();
      parallel_for(M * N, 1 << 16, [&](int64_t lo, int64_t hi) {  // inline inside the batch loop's region
        for (int64_t i = lo; i < hi; ++i) dst[i] = T(static_cast<float>(t[i]));
      });
    }
  };

  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int threads = num_threads();
  if (batches > 1 && (work <= kSmallGemmWork || (batches >= threads && work <= kMediumGemmWork))) {
    // Small products (gemm runs them on one thread anyway) or enough medium ones to keep
    // every thread busy: one product per pool thread at a time.
    int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(kSmallGemmWork / 4 / std::max(work, 1.0)));
    parallel_for(batches, grain, [&](int64_t begin, int64_t end) {
      Scratch s;
      for (int64_t i = begin; i < end; ++i) one(i, s);
    });
  } else {
    Scratch s;  // large products: gemm splits each one over the pool
    for (int64_t i = 0; i < batches; ++i) one(i, s);
  }
  return SILICA_OK;
}

SilicaStatus matmul_kernel(const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out, int32_t num_out,
                           const SilicaAttrs*) {
  const SilicaTensorDesc& a = in[0];
  const SilicaTensorDesc& b = in[1];
  const SilicaTensorDesc& y = out[0];
  if (num_in != 2 || num_out != 1 || y.ndim < 2 || a.ndim != y.ndim || b.ndim != y.ndim ||
      a.dtype != b.dtype || a.dtype != y.dtype)
    return set_error(SILICA_ERROR_INVALID, "matmul: expects a (..., M, K), b (..., K, N) and y (..., M, N) of one "
                                           "dtype and rank");
  SilicaStatus st = SILICA_OK;
  visit_float_dtype(a.dtype, [&](auto tag) { st = matmul_typed<decltype(tag)>(a, b, y); });
  return st;
}

}  // namespace

void register_matmul_kernels() { register_kernel(SILICA_OP_MATMUL, matmul_kernel, kFloatDTypes); }

}  // namespace silica::cpu
