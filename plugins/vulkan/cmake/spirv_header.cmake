# cmake -DIN=module.spv -DOUT=module.h -DSYMBOL=name -P spirv_header.cmake
# Writes a SPIR-V module as `const uint32_t SYMBOL[] = {...};` (the form glslangValidator's
# --vn writes), to embed it in the plugin: every module of shaders.cmake, after glslang and
# the tool that rewrote it, if any.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR rest "${digits} % 8")
if(digits EQUAL 0 OR NOT rest EQUAL 0)
  message(FATAL_ERROR "${IN}: not a SPIR-V module (${digits} hex digits, not a whole number of words)")
endif()
# The file holds little-endian words: bytes b0 b1 b2 b3 are the word 0xb3b2b1b0.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1," words "${hex}")
# Eight words a line (CMake regexes have no {n} repeats).
set(word "0x[0-9a-f]+,")
string(REGEX REPLACE "(${word}${word}${word}${word}${word}${word}${word}${word})" "\\1\n" words "${words}")
get_filename_component(module ${IN} NAME)
file(WRITE ${OUT} "// Generated from ${module} by plugins/vulkan/cmake/spirv_header.cmake\n#pragma once\n"
                "const uint32_t ${SYMBOL}[] = {\n${words}\n};\n")
