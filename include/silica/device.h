// Devices: where tensors live and ops run. Each comes from a plugin (the CPU is built in).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "silica/dtype.h"

namespace silica {

namespace detail {
struct Backend;
}

/// What kind of processor a device is; ranks devices for "GPU by default".
enum class DeviceKind { discrete_gpu = 0, integrated_gpu = 1, cpu = 2, other = 3 };

/// "discrete GPU", "integrated GPU", "CPU", "other".
const char* device_kind_name(DeviceKind kind);

/// A device of a loaded plugin: "cpu", "vulkan:0", "cuda:1".
class Device {
 public:
  /// The built-in CPU.
  Device();
  /// Parses "cpu", "vulkan", "vulkan:1"; throws silica::Error naming the known devices
  /// when no such device is present.
  Device(const std::string& spec);  // NOLINT(google-explicit-constructor): "cpu" reads naturally
  Device(const char* spec) : Device(std::string(spec)) {}  // NOLINT(google-explicit-constructor)

  /// "cpu" for the built-in CPU, otherwise "<plugin>:<index>".
  std::string str() const;
  /// Plugin name: "cpu", "vulkan", "cuda".
  const std::string& plugin() const;
  /// Index among the plugin's devices.
  int index() const { return index_; }
  /// Human-readable device name, e.g. "NVIDIA H100 80GB HBM3".
  std::string name() const;
  DeviceKind kind() const;
  /// Total memory in bytes as the plugin reports it.
  uint64_t memory_bytes() const;
  /// True when the device can hold tensors of `dtype`.
  bool supports_dtype(DType dtype) const;
  /// Waits for all work queued on this device.
  void synchronize() const;
  bool is_cpu() const;

  bool operator==(const Device& other) const {
    return backend_ == other.backend_ && index_ == other.index_;
  }
  bool operator!=(const Device& other) const { return !(*this == other); }

  /// The plugin table behind this device (internal).
  detail::Backend* backend() const { return backend_; }
  Device(detail::Backend* backend, int index) : backend_(backend), index_(index) {}

 private:
  detail::Backend* backend_;
  int index_;
};

/// Every device of every loaded plugin, best first (discrete GPU > integrated GPU > CPU;
/// a CPU-type device of a plugin never outranks the built-in CPU).
std::vector<Device> devices();

/// The device training uses with no instruction: $SILICA_DEVICE when set, else devices()[0].
Device best_device();

/// A plugin library that was found but not loaded, and why.
struct PluginFailure {
  std::string path;
  std::string reason;
};

/// Plugins that failed to load (never silently dropped).
std::vector<PluginFailure> plugin_failures();

/// Loaded plugins: name and the library path ("built in" for the CPU).
struct PluginInfo {
  std::string name;
  std::string path;
};
std::vector<PluginInfo> plugins();

/// Device used by creation functions when none is given (initially the CPU).
Device default_device();
void set_default_device(const Device& device);

}  // namespace silica
