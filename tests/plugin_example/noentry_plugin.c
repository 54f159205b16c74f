/*
 * libsilica-noentry.so: named like a plugin but exporting no silica_plugin_init (a
 * misspelled entry point, the kind of mistake the core must report, not ignore).
 */
#include <stdint.h>

#include "silica/plugin.h"

__attribute__((visibility("default"))) int silica_plugin_initialize(uint32_t core_abi_version,
                                                                    SilicaDeviceApi* out) {
  return 1;
}
