#include "blas.h"

#include <cpuid.h>
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace silica::cpu {

namespace {

Blas g_blas;

bool cpuid(unsigned leaf, unsigned sub, unsigned r[4]) { return __get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]) != 0; }

// The OpenBLAS kernel family for this CPU's features, or nullptr to let OpenBLAS decide.
const char* core_type_for_this_cpu() {
  unsigned r1[4], r7[4], r71[4] = {0, 0, 0, 0};
  if (!cpuid(1, 0, r1) || !cpuid(7, 0, r7)) return nullptr;
  cpuid(7, 1, r71);
  const bool osxsave = r1[2] & (1u << 27);
  if (!osxsave) return nullptr;
  unsigned xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool os_avx = (xcr0_lo & 0x6) == 0x6;             // XMM and YMM state
  const bool os_avx512 = os_avx && (xcr0_lo & 0xe0) == 0xe0;  // opmask and ZMM state
  const bool fma = r1[2] & (1u << 12);
  const bool avx2 = r7[1] & (1u << 5);
  const bool avx512 = (r7[1] & (1u << 16)) && (r7[1] & (1u << 17)) && (r7[1] & (1u << 30)) && (r7[1] & (1u << 31));
  const bool avx512_bf16 = r71[0] & (1u << 5);
  if (os_avx512 && avx512 && avx512_bf16) return "Cooperlake";
  if (os_avx512 && avx512) return "SkylakeX";
  if (os_avx && avx2 && fma) return "Haswell";
  return nullptr;
}

}  // namespace

bool load_blas(std::string* error) {
  static std::once_flag once;
  static bool ok = false;
  static std::string failure;
  std::call_once(once, [] {
    if (const char* core = core_type_for_this_cpu()) setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/0);
    // Every GEMM runs on its calling thread (gemm.h splits large ones over our pool): no
    // OpenBLAS worker threads, which would spin between calls on the cores the pool uses.
    setenv("OPENBLAS_NUM_THREADS", "1", /*overwrite=*/0);
    void* lib = nullptr;
    for (const char* name : {"libopenblas.so.0", "libopenblas.so"})
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
    if (!lib) {
      failure = std::string("cannot load OpenBLAS (") + dlerror() +
                "); install it with `apt-get install libopenblas0` (or libopenblas-dev)";
      return;
    }
    g_blas.sgemm = reinterpret_cast<decltype(g_blas.sgemm)>(dlsym(lib, "cblas_sgemm"));
    g_blas.dgemm = reinterpret_cast<decltype(g_blas.dgemm)>(dlsym(lib, "cblas_dgemm"));
    g_blas.set_num_threads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
    g_blas.corename = reinterpret_cast<char* (*)()>(dlsym(lib, "openblas_get_corename"));
    if (!g_blas.sgemm || !g_blas.dgemm || !g_blas.set_num_threads) {
      failure = "the OpenBLAS library found lacks cblas_sgemm, cblas_dgemm or openblas_set_num_threads";
      return;
    }
    g_blas.set_num_threads(1);
    ok = true;
  });
  if (!ok && error) *error = failure;
  return ok;
}

const Blas& blas() { return g_blas; }

}  // namespace silica::cpu
