// OpenBLAS, loaded at run time rather than linked, so that Silica can pick its kernel
// first: OpenBLAS 0.3.21 (Debian 12) does not recognise newer CPUs such as Emerald
// Rapids and falls back to its generic SSE3 ("Prescott") kernel, 4-5x slower. When
// OPENBLAS_CORETYPE is unset, load_blas() sets it from the CPU's features (AVX-512 BF16 ->
// Cooperlake, AVX-512 -> SkylakeX, AVX2+FMA -> Haswell) before loading the library.
// OpenBLAS runs single-threaded (OPENBLAS_NUM_THREADS=1): the CPU backend's own pool
// splits large products (gemm.h), so only one set of threads ever competes for the cores.
#pragma once

#include <cblas.h>

#include <string>

namespace silica::cpu {

struct Blas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  void (*set_num_threads)(int) = nullptr;
  char* (*corename)() = nullptr;
};

/// Loads OpenBLAS once (thread-safe). On failure returns false and sets *error to a message
/// that says what to install.
bool load_blas(std::string* error);

/// The loaded functions (load_blas() must have succeeded; the backend's init ensures it).
const Blas& blas();

}  // namespace silica::cpu
