// Internal: a loaded plugin (or the built-in CPU) and the registry of them.
#pragma once

#include <string>
#include <vector>

#include "silica/device.h"
#include "silica/plugin.h"

namespace silica::detail {

struct Backend {
  SilicaDeviceApi api{};
  std::string name;  // api.name, kept as a string
  std::string path;  // library path, or "built in"
  void* library = nullptr;
  std::vector<SilicaDeviceInfo> infos;  // one per device

  /// Turns a failed status into silica::Error (OutOfMemoryError for OOM),
  /// prefixed with `context` ("[matmul] on vulkan:0: ...").
  void check(SilicaStatus status, const std::string& context) const;
};

/// All loaded backends; the CPU is first. Loads plugins on first use.
const std::vector<Backend*>& backends();
/// The built-in CPU backend.
Backend* cpu_backend();

}  // namespace silica::detail
