// Row-major GEMM through OpenBLAS, shared by the matmul and conv kernels.
// f16/bf16 never reach BLAS: callers convert them to float (gemm_t<T>) first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "blas.h"
#include "kernel.h"

namespace silica::cpu {

/// The type BLAS computes in for storage type T: float for f16/bf16.
template <typename T>
using gemm_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

/// Below this many multiply-adds a GEMM runs on one thread: splitting it would cost more
/// in fork/join than it saves. Callers with many such products parallelize over them.
constexpr double kSmallGemmWork = 65536.0 * 4.0;

/// Up to this many multiply-adds per GEMM, a batch of at least num_threads() GEMMs is
/// faster as one GEMM per pool thread than as split GEMMs one after another (one
/// fork/join instead of one per GEMM).
constexpr double kMediumGemmWork = 256.0 * 256.0 * 256.0;

namespace detail {

template <typename C>
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, const C* a, int64_t lda,
               const C* b, int64_t ldb, C beta, C* c, int64_t ldc) {
  if constexpr (std::is_same_v<C, float>) {
    blas().sgemm(CblasRowMajor, ta, tb, static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k),
                 1.0f, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
                 static_cast<blasint>(ldc));
  } else {
    blas().dgemm(CblasRowMajor, ta, tb, static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k),
                 1.0, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
                 static_cast<blasint>(ldc));
  }
}

}  // namespace detail

/// C (m x n, row-major, leading dimension ldc) = op(A) op(B) + beta C, with op(A) m x k and
/// op(B) k x n. A is stored row-major with leading dimension lda, as k x m when trans_a
/// (likewise B). k == 0 gives C = beta C; m == 0 or n == 0 does nothing.
template <typename C>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const C* a, int64_t lda, const C* b,
          int64_t ldb, C beta, C* c, int64_t ldc) {
  static_assert(std::is_same_v<C, float> || std::is_same_v<C, double>, "BLAS computes in float or double");
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // some BLAS builds reject lda < 1 here; the product is empty anyway
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == C(0) ? C(0) : beta * c[i * ldc + j];
    return;
  }
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  // Leading dimensions must be at least the stored row length, and 1.
  lda = std::max<int64_t>({lda, trans_a ? m : k, 1});
  ldb = std::max<int64_t>({ldb, trans_b ? k : n, 1});
  ldc = std::max<int64_t>({ldc, n, 1});
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (work <= kSmallGemmWork || num_threads() <= 1) {
    detail::blas_gemm<C>(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // OpenBLAS runs single-threaded (blas.h): split C into column blocks (or row blocks when
  // it has more rows than columns) of whole 16-wide kernel tiles. Every block re-packs the
  // operand all blocks share, the smaller one. Inside another parallel region
  // parallel_for runs inline, so this stays one call there.
  const bool split_cols = n >= m;
  const int64_t len = split_cols ? n : m;
  constexpr int64_t kTile = 16;
  const int64_t tiles = (len + kTile - 1) / kTile;
  // One block per thread (each block re-packs the shared operand and a narrower GEMM is
  // less efficient), none below kSmallGemmWork.
  const int64_t threads = num_threads();
  const int64_t grain = std::max<int64_t>((tiles + threads - 1) / threads,
                                          static_cast<int64_t>(kSmallGemmWork / (work / static_cast<double>(tiles))));
  parallel_for(tiles, grain, [&](int64_t t0, int64_t t1) {
    const int64_t lo = t0 * kTile, cnt = std::min(len, t1 * kTile) - lo;
    if (split_cols)  // columns lo.. of op(B) and C
      detail::blas_gemm<C>(ta, tb, m, cnt, k, a, lda, trans_b ? b + lo * ldb : b + lo, ldb, beta, c + lo, ldc);
    else  // rows lo.. of op(A) and C
      detail::blas_gemm<C>(ta, tb, cnt, n, k, trans_a ? a + lo : a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc);
  });
}

/// True when every size fits BLAS's 32-bit integers.
inline bool fits_blas(std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s > INT32_MAX) return false;
  return true;
}

/// A read-only view of n elements in the compute type C: the data itself when T is C,
/// else a converted copy (f16/bf16 -> float), converted in parallel.
template <typename C, typename T>
class AsCompute {
 public:
  AsCompute(const T* src, int64_t n) {
    if constexpr (std::is_same_v<T, C>) {
      ptr_ = src;
    } else {
      copy_.resize(static_cast<size_t>(n));
      C* dst = copy_.data();
      parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = static_cast<C>(static_cast<float>(src[i]));
      });
      ptr_ = copy_.data();
    }
  }
  const C* get() const { return ptr_; }

 private:
  const C* ptr_ = nullptr;
  std::vector<C> copy_;
};

/// A writable buffer of n elements in C that ends up in `dst` (type T): dst itself when
/// T is C, else a float buffer that store() converts into dst.
template <typename C, typename T>
class OutCompute {
 public:
  OutCompute(T* dst, int64_t n) : dst_(dst), n_(n) {
    if constexpr (!std::is_same_v<T, C>) buffer_.assign(static_cast<size_t>(n), C(0));
  }
  C* get() {
    if constexpr (std::is_same_v<T, C>) return dst_;
    else return buffer_.data();
  }
  void store() {
    if constexpr (!std::is_same_v<T, C>) {
      const C* src = buffer_.data();
      T* dst = dst_;
      parallel_for(n_, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = T(static_cast<float>(src[i]));
      });
    }
  }

 private:
  T* dst_;
  int64_t n_;
  std::vector<C> buffer_;
};

}  // namespace silica::cpu
