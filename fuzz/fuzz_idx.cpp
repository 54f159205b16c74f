// libFuzzer target: arbitrary bytes (plain or gzip) through the IDX reader. Any input must
// either parse or raise silica::Error; crashes, hangs and sanitizer reports are findings.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "silica/data/idx.h"
#include "silica/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    silica::Tensor t = silica::data::parse_idx(input);
    // A plain (not gzip) file that parses has exactly header + data bytes.
    if (size >= 4 && data[0] == 0 && t.dim() != static_cast<int64_t>(data[3])) std::abort();
  } catch (const silica::Error&) {
  }
  return 0;
}
