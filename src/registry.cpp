// Plugin discovery, loading and device ranking ("GPU by default").
#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>

#include "backend.h"
#include "silica/error.h"

extern "C" int silica_cpu_plugin_init(uint32_t core_abi_version, SilicaDeviceApi* out);

namespace silica {
namespace detail {

void Backend::check(SilicaStatus status, const std::string& context) const {
  if (status == SILICA_OK) return;
  const char* text = api.last_error ? api.last_error(api.context) : "";
  std::string message = context + ": " + (text && *text ? text : "device error");
  if (status == SILICA_ERROR_OUT_OF_MEMORY) throw OutOfMemoryError(message);
  throw Error(message);
}

namespace {

struct Registry {
  std::vector<Backend*> backends;
  std::vector<PluginFailure> failures;
  Backend* cpu = nullptr;

  Registry() {
    cpu = new Backend();  // never deleted: devices must outlive static destructors
    cpu->path = "built in";
    if (silica_cpu_plugin_init(SILICA_ABI_VERSION, &cpu->api) != 0)
      throw Error(std::string("[devices] the built-in CPU backend failed: ") + cpu->api.error);
    finish(cpu);
    backends.push_back(cpu);
    for (const auto& dir : search_dirs()) load_dir(dir);
  }

  static void finish(Backend* b) {
    b->name = b->api.name ? b->api.name : "";
    int n = b->api.device_count(b->api.context);
    for (int i = 0; i < n; ++i) {
      SilicaDeviceInfo info{};
      if (b->api.device_info(b->api.context, i, &info) == SILICA_OK) b->infos.push_back(info);
    }
  }

  // Folders are compared by their canonical path, so one folder spelled two ways (relative
  // and absolute, a trailing "/.") is scanned once instead of reporting its plugins as
  // duplicates of themselves.
  static std::vector<std::string> search_dirs() {
    std::vector<std::string> dirs;
    auto add = [&dirs](const std::string& dir) {
      char* real = realpath(dir.c_str(), nullptr);
      std::string canonical = real ? real : dir;
      std::free(real);
      if (std::find(dirs.begin(), dirs.end(), canonical) == dirs.end()) dirs.push_back(canonical);
    };
    Dl_info self{};
    if (dladdr(reinterpret_cast<void*>(&silica_cpu_plugin_init), &self) && self.dli_fname) {
      std::string path = self.dli_fname;
      auto slash = path.rfind('/');
      add(slash == std::string::npos ? "." : path.substr(0, slash));
    }
    if (const char* env = std::getenv("SILICA_PLUGIN_PATH")) {
      std::stringstream ss(env);
      std::string dir;
      while (std::getline(ss, dir, ':'))
        if (!dir.empty()) add(dir);
    }
    return dirs;
  }

  void load_dir(const std::string& dir) {
    DIR* d = opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> files;
    while (dirent* e = readdir(d)) {
      std::string f = e->d_name;
      if (f.rfind("libsilica-", 0) == 0 && f.size() > 13 && f.substr(f.size() - 3) == ".so")
        files.push_back(dir + "/" + f);
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    for (const auto& f : files) load(f);
  }

  void load(const std::string& path) {
    for (auto* b : backends)
      if (b->path == path) return;
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      failures.push_back({path, std::string("cannot be loaded: ") + dlerror()});
      return;
    }
    auto init = reinterpret_cast<SilicaPluginInitFn>(dlsym(lib, SILICA_PLUGIN_INIT_SYMBOL));
    if (!init) {
      failures.push_back({path, "missing entry point silica_plugin_init; a Silica plugin must "
                                "export it (see include/silica/plugin.h)"});
      dlclose(lib);
      return;
    }
    auto* b = new Backend();
    b->path = path;
    b->library = lib;
    if (init(SILICA_ABI_VERSION, &b->api) != 0) {
      std::string why = b->api.error[0] ? b->api.error : "silica_plugin_init returned an error";
      failures.push_back({path, "refused to load: " + why});
      delete b;
      dlclose(lib);
      return;
    }
    if (SILICA_ABI_MAJOR(b->api.abi_version) != SILICA_ABI_VERSION_MAJOR) {
      std::ostringstream why;
      why << "built for ABI " << SILICA_ABI_MAJOR(b->api.abi_version) << "."
          << (b->api.abi_version & 0xffff) << " but this Silica speaks ABI "
          << SILICA_ABI_VERSION_MAJOR << "." << SILICA_ABI_VERSION_MINOR
          << "; rebuild the plugin against this include/silica/plugin.h";
      failures.push_back({path, why.str()});
      delete b;
      dlclose(lib);
      return;
    }
    const char* required_missing = nullptr;
    if (!b->api.name || !*b->api.name) required_missing = "name";
    else if (!b->api.device_count) required_missing = "device_count";
    else if (!b->api.device_info) required_missing = "device_info";
    else if (!b->api.alloc) required_missing = "alloc";
    else if (!b->api.free) required_missing = "free";
    else if (!b->api.copy_to_device) required_missing = "copy_to_device";
    else if (!b->api.copy_to_host) required_missing = "copy_to_host";
    else if (!b->api.copy_device) required_missing = "copy_device";
    else if (!b->api.synchronize) required_missing = "synchronize";
    else if (!b->api.supports) required_missing = "supports";
    else if (!b->api.run) required_missing = "run";
    else if (!b->api.last_error) required_missing = "last_error";
    if (required_missing) {
      failures.push_back({path, std::string("its device table lacks the required member '") +
                                    required_missing + "'"});
      delete b;
      dlclose(lib);
      return;
    }
    for (auto* other : backends) {
      if (other->name == b->api.name) {
        failures.push_back({path, "a plugin named '" + std::string(b->api.name) +
                                      "' is already loaded from " + other->path});
        delete b;
        dlclose(lib);
        return;
      }
    }
    finish(b);
    backends.push_back(b);
  }
};

Registry& registry() {
  static Registry* r = new Registry();  // intentionally leaked: see Registry()
  return *r;
}

}  // namespace

const std::vector<Backend*>& backends() { return registry().backends; }
Backend* cpu_backend() { return registry().cpu; }

}  // namespace detail

using detail::Backend;

const char* device_kind_name(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::discrete_gpu: return "discrete GPU";
    case DeviceKind::integrated_gpu: return "integrated GPU";
    case DeviceKind::cpu: return "CPU";
    case DeviceKind::other: return "other";
  }
  return "other";
}

Device::Device() : backend_(detail::cpu_backend()), index_(0) {}

Device::Device(const std::string& spec) {
  std::string name = spec;
  int index = 0;
  bool explicit_index = false;
  auto colon = spec.find(':');
  if (colon != std::string::npos) {
    name = spec.substr(0, colon);
    const std::string idx = spec.substr(colon + 1);
    char* end = nullptr;
    long v = std::strtol(idx.c_str(), &end, 10);
    if (idx.empty() || *end != '\0' || v < 0)
      throw Error("[device] bad device '" + spec + "': expected NAME or NAME:INDEX, e.g. vulkan:0");
    index = static_cast<int>(v);
    explicit_index = true;
  }
  (void)explicit_index;
  for (Backend* b : detail::backends()) {
    if (b->name == name && index < static_cast<int>(b->infos.size())) {
      backend_ = b;
      index_ = index;
      return;
    }
  }
  std::string known;
  for (const Device& d : devices()) known += (known.empty() ? "" : ", ") + d.str();
  throw Error("[device] no device '" + spec + "' is present; available: " + known +
              ". Run `silica devices` to see every device and why a plugin did not load.");
}

std::string Device::str() const {
  if (backend_ == detail::cpu_backend()) return "cpu";
  return backend_->name + ":" + std::to_string(index_);
}
const std::string& Device::plugin() const { return backend_->name; }
std::string Device::name() const { return backend_->infos[index_].name; }
DeviceKind Device::kind() const { return static_cast<DeviceKind>(backend_->infos[index_].kind); }
uint64_t Device::memory_bytes() const { return backend_->infos[index_].memory_bytes; }
bool Device::supports_dtype(DType dtype) const {
  return (backend_->infos[index_].dtype_mask >> static_cast<int>(dtype)) & 1u;
}
bool Device::is_cpu() const { return backend_ == detail::cpu_backend(); }
void Device::synchronize() const {
  backend_->check(backend_->api.synchronize(backend_->api.context, index_),
                  "[synchronize] on " + str());
}

namespace {
// Lower is better. A CPU-type device of a plugin (e.g. lavapipe) ranks below the built-in CPU.
int device_rank(const Device& d) {
  switch (d.kind()) {
    case DeviceKind::discrete_gpu: return 0;
    case DeviceKind::integrated_gpu: return 1;
    case DeviceKind::cpu: return d.is_cpu() ? 2 : 3;
    case DeviceKind::other: return 4;
  }
  return 4;
}
}  // namespace

std::vector<Device> devices() {
  std::vector<Device> out;
  for (Backend* b : detail::backends())
    for (int i = 0; i < static_cast<int>(b->infos.size()); ++i) out.emplace_back(b, i);
  std::stable_sort(out.begin(), out.end(),
                   [](const Device& a, const Device& b) { return device_rank(a) < device_rank(b); });
  return out;
}

Device best_device() {
  const char* env = std::getenv("SILICA_DEVICE");
  if (env && *env) return Device(std::string(env));
  return devices().front();
}

std::vector<PluginFailure> plugin_failures() { return detail::registry().failures; }

std::vector<PluginInfo> plugins() {
  std::vector<PluginInfo> out;
  for (Backend* b : detail::backends()) out.push_back({b->name, b->path});
  return out;
}

namespace {
Device& default_device_slot() {
  static Device d;
  return d;
}
}  // namespace
Device default_device() { return default_device_slot(); }
void set_default_device(const Device& device) { default_device_slot() = device; }

}  // namespace silica
