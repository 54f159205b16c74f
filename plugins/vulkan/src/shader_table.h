// The SPIR-V modules compiled from shaders/*.comp at build time (the generated
// shader_table.cpp lists them; see cmake/shaders.cmake).
#pragma once

#include <cstddef>
#include <cstdint>

namespace silica::vk {

struct ShaderModuleWords {
  const char* name;       // module name, e.g. "binary_i64"
  const uint32_t* words;  // SPIR-V
  size_t bytes;
};

/// Every embedded module; *count receives how many.
const ShaderModuleWords* shader_modules(size_t* count);

}  // namespace silica::vk
