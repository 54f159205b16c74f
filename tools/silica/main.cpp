// The `silica` command.
#include <cstdio>
#include <iostream>
#include <string>

#include "silica/silica.h"

namespace {

int cmd_devices() {
  using namespace silica;
  std::vector<Device> all = devices();
  Device best = best_device();
  std::printf("%-12s %-16s %-10s %s\n", "DEVICE", "KIND", "MEMORY", "NAME");
  for (const Device& d : all) {
    double gib = static_cast<double>(d.memory_bytes()) / (1024.0 * 1024.0 * 1024.0);
    std::printf("%-12s %-16s %6.1f GiB %s%s\n", d.str().c_str(), device_kind_name(d.kind()), gib,
                d.name().c_str(), d == best ? "  (default)" : "");
  }
  for (const PluginInfo& p : plugins())
    if (p.name != "cpu") std::printf("plugin %s loaded from %s\n", p.name.c_str(), p.path.c_str());
  for (const PluginFailure& f : plugin_failures())
    std::printf("plugin %s failed to load: %s\n", f.path.c_str(), f.reason.c_str());
  return 0;
}

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: silica <command> [options]\n"
               "commands:\n"
               "  devices    list devices (best first) and plugins that failed to load\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string cmd = argv[1];
  try {
    if (cmd == "devices") return cmd_devices();
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      usage(stdout);
      return 0;
    }
    std::fprintf(stderr, "silica: unknown command '%s'\n", cmd.c_str());
    usage(stderr);
    return 2;
  } catch (const silica::Error& e) {
    std::fprintf(stderr, "silica: %s\n", e.what());
    return 2;
  }
}
