/*
 * Plugins that are broken on purpose, one way per build (see CMakeLists.txt), so the
 * tests can check that the core refuses each with a reason instead of crashing:
 *
 *   BROKEN_REPORTS_ABI_2  libsilica-badabi.so: initializes, but its table says it was
 *                         built for plugin ABI 2.0; the core must refuse the table.
 *   BROKEN_REFUSES_CORE   libsilica-abirefuse.so: knows only ABI 2, so it refuses the
 *                         core's ABI 1 itself and says why in out->error.
 *   BROKEN_LACKS_RUN      libsilica-norun.so: a table without the required `run`.
 */
#include <stdio.h>
#include <string.h>

#include "silica/plugin.h"

#define FUTURE_ABI_MAJOR 2u
#define FUTURE_ABI_VERSION (FUTURE_ABI_MAJOR << 16)

static int32_t device_count(void* context) { return 0; }
static SilicaStatus device_info(void* context, int32_t device, SilicaDeviceInfo* out) {
  return SILICA_ERROR_INVALID;
}
static SilicaStatus alloc(void* context, int32_t device, uint64_t bytes, void** out) {
  return SILICA_ERROR_UNSUPPORTED;
}
static void free_buffer(void* context, int32_t device, void* buffer) {}
static SilicaStatus copy_to_device(void* c, int32_t d, void* dst, uint64_t o, const void* src, uint64_t n) {
  return SILICA_ERROR_UNSUPPORTED;
}
static SilicaStatus copy_to_host(void* c, int32_t d, void* dst, const void* src, uint64_t o, uint64_t n) {
  return SILICA_ERROR_UNSUPPORTED;
}
static SilicaStatus copy_device(void* c, int32_t d, void* dst, uint64_t o, const void* src, uint64_t so,
                                uint64_t n) {
  return SILICA_ERROR_UNSUPPORTED;
}
static SilicaStatus synchronize(void* context, int32_t device) { return SILICA_OK; }
static int32_t supports(void* context, int32_t device, int32_t op, int32_t dtype) { return 0; }
static SilicaStatus run(void* c, int32_t d, int32_t op, const SilicaTensorDesc* in, int32_t ni,
                        const SilicaTensorDesc* out, int32_t no, const SilicaAttrs* attrs) {
  return SILICA_ERROR_UNSUPPORTED;
}
static const char* last_error(void* context) { return "broken on purpose"; }

__attribute__((visibility("default"))) int silica_plugin_init(uint32_t core_abi_version,
                                                              SilicaDeviceApi* out) {
  memset(out, 0, sizeof *out);
#ifdef BROKEN_REFUSES_CORE
  if (SILICA_ABI_MAJOR(core_abi_version) != FUTURE_ABI_MAJOR) {
    snprintf(out->error, sizeof out->error,
             "this plugin needs plugin ABI %u.x but the core offers ABI %u.%u; use a newer Silica",
             FUTURE_ABI_MAJOR, SILICA_ABI_MAJOR(core_abi_version), core_abi_version & 0xffffu);
    return 1;
  }
#endif
  out->abi_version = SILICA_ABI_VERSION;
#ifdef BROKEN_REPORTS_ABI_2
  out->abi_version = FUTURE_ABI_VERSION;
#endif
  out->name = "broken";
  out->device_count = device_count;
  out->device_info = device_info;
  out->alloc = alloc;
  out->free = free_buffer;
  out->copy_to_device = copy_to_device;
  out->copy_to_host = copy_to_host;
  out->copy_device = copy_device;
  out->synchronize = synchronize;
  out->supports = supports;
  out->run = run;
#ifdef BROKEN_LACKS_RUN
  out->run = NULL;
#endif
  out->last_error = last_error;
  return 0;
}
