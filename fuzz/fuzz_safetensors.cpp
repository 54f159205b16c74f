// libFuzzer target: arbitrary bytes through the safetensors reader. Any input must either
// load or raise silica::Error (crashes and sanitizer reports are findings), and whatever
// loads must survive a save/load round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "silica/error.h"
#include "silica/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  silica::io::Metadata metadata;
  std::map<std::string, silica::Tensor> tensors;
  try {
    tensors = silica::io::load_safetensors_from_memory(input, &metadata);
  } catch (const silica::Error&) {
    return 0;  // rejected with a message: fine
  }
  // What loads must save and load back to the same thing (serialize compares every byte).
  const std::string saved = silica::io::serialize_safetensors(tensors, metadata);
  silica::io::Metadata metadata_again;
  auto again = silica::io::load_safetensors_from_memory(saved, &metadata_again);
  if (metadata_again != metadata || again.size() != tensors.size()) std::abort();
  if (silica::io::serialize_safetensors(again, metadata_again) != saved) std::abort();
  return 0;
}
