// Internal: gzip decompression through zlib.
#pragma once

#include <string>
#include <string_view>

namespace silica::data::detail {

/// True when `bytes` start with the gzip magic 0x1f 0x8b.
bool is_gzip(std::string_view bytes);

/// Decompresses every gzip member of `bytes` (concatenated members are allowed, as gunzip
/// allows them). Throws silica::Error starting with "[function] source: " for corrupt or
/// truncated data, trailing non-gzip bytes, or output beyond `max_output` bytes.
std::string gunzip(std::string_view bytes, const std::string& source, const char* function,
                   size_t max_output = static_cast<size_t>(-1));

}  // namespace silica::data::detail
