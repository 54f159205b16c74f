// silica-conformance: runs the op table on one device and prints `N passed, M failed`.
//   build/bin/silica-conformance --device vulkan [--filter matmul] [--verbose] [--no-grad]
#include <cstdio>
#include <cstring>
#include <string>

#include "conformance/conformance.h"

int main(int argc, char** argv) {
  std::string device = "cpu";
  silica::conformance::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--device" || a == "--filter") && i + 1 < argc) {
      (a == "--device" ? device : options.filter) = argv[++i];
    } else if (a == "--verbose" || a == "-v") {
      options.verbose = true;
    } else if (a == "--no-grad") {
      options.check_grads = false;
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: silica-conformance [--device NAME] [--filter TEXT] [--verbose] [--no-grad]\n");
      return 0;
    } else {
      std::fprintf(stderr, "silica-conformance: unknown argument '%s' (try --help)\n", a.c_str());
      return 2;
    }
  }
  try {
    silica::Device d(device);
    std::printf("conformance on %s (%s)\n", d.str().c_str(), d.name().c_str());
    auto summary = silica::conformance::run(d, options);
    std::printf("%d passed, %d failed", summary.passed, summary.failed);
    if (summary.skipped) std::printf(", %d skipped (dtypes the device cannot hold)", summary.skipped);
    std::printf("\n");
    return summary.failed == 0 && summary.passed > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "silica-conformance: %s\n", e.what());
    return 2;
  }
}
