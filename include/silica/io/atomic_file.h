// Whole-file reads and crash-safe whole-file writes.
#pragma once

#include <string>
#include <string_view>

namespace silica::io {

/// Replaces the file at `path` with `bytes` so that a reader (or a restart after a crash)
/// sees either the old file or the complete new one, never a mix: the bytes go to
/// "<path>.tmp", which is fsynced, renamed over `path`, and the directory is fsynced.
/// On any failure the temporary file is removed, the old file is left untouched and a
/// silica::Error names the path and the system's reason.
void write_file_atomically(const std::string& path, std::string_view bytes);

/// The whole content of the file at `path`; throws silica::Error naming the path and the
/// system's reason when it cannot be read. `function` starts the message ("[function]").
std::string read_file(const std::string& path, const char* function = "read_file");

}  // namespace silica::io
