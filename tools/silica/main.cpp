// The `silica` command.
#include <cstdio>
#include <iostream>
#include <string>

#include "silica/silica.h"
#include "training.h"

namespace {

// Every device (best first), every loaded plugin, and every plugin that failed with why.
int cmd_devices() {
  using namespace silica;
  std::string chosen, problem;
  try {
    chosen = best_device().str();
  } catch (const Error& e) {  // a bad SILICA_DEVICE must not hide the list
    problem = e.what();
  }
  std::printf("Devices (best first):\n");
  for (const Device& d : devices()) {
    double gib = static_cast<double>(d.memory_bytes()) / (1024.0 * 1024.0 * 1024.0);
    std::printf("  %-12s %-15s %7.1f GiB  %s%s\n", d.str().c_str(), device_kind_name(d.kind()), gib,
                d.name().c_str(), d.str() == chosen ? "  (default)" : "");
  }
  if (!problem.empty()) std::printf("  SILICA_DEVICE: %s\n", problem.c_str());
  std::printf("Plugins:\n");
  for (const PluginInfo& p : plugins()) std::printf("  %-12s %s\n", p.name.c_str(), p.path.c_str());
  std::vector<PluginFailure> failures = plugin_failures();
  std::printf("Plugins that failed to load:%s\n", failures.empty() ? " none" : "");
  for (const PluginFailure& f : failures) std::printf("  %s: %s\n", f.path.c_str(), f.reason.c_str());
  return problem.empty() ? 0 : 2;
}

void usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: silica <command> [options]\n"
      "commands:\n"
      "  train      train a classifier on Fashion-MNIST (silica train --help)\n"
      "  eval       test accuracy of a trained run (silica eval --checkpoint DIR)\n"
      "  predict    top-3 classes of images (silica predict --checkpoint DIR IMAGE...)\n"
      "  devices    list devices (best first), loaded plugins, and plugins that failed to load\n"
      "environment: SILICA_PLUGIN_PATH (extra plugin folders, ':'-separated),\n"
      "             SILICA_DEVICE (device to use), SILICA_CPU_FALLBACK=1 (run missing ops on the CPU)\n");
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
    if (cmd == "train") return silica::cli::train_command(argc, argv);
    if (cmd == "eval") return silica::cli::eval_command(argc, argv);
    if (cmd == "predict") return silica::cli::predict_command(argc, argv);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      usage(stdout);
      return 0;
    }
    std::fprintf(stderr, "silica: unknown command '%s'\n", cmd.c_str());
    usage(stderr);
    return 2;
  } catch (const std::exception& e) {
    // Bad input of any kind (missing data, corrupt checkpoint, unknown device): one
    // paragraph that names the problem and the fix, status 2, nothing overwritten.
    std::fprintf(stderr, "silica %s: error: %s\n", cmd.c_str(), e.what());
    return 2;
  }
}
