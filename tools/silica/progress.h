// A per-epoch progress bar: batches, loss, samples/s, ETA. On a terminal it redraws one
// line; otherwise (logs, CI) it prints a plain line every few seconds.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace silica::cli {

class Progress {
 public:
  /// `label` prefixes each line ("epoch 3/10"); `total` batches in the epoch.
  Progress(std::string label, int64_t total, std::FILE* out = stdout);
  /// After batch `done` (1-based) with the running mean loss and samples seen so far.
  void update(int64_t done, double loss, int64_t samples);
  /// Ends the bar (a newline on a terminal).
  void finish();

 private:
  std::string label_;
  int64_t total_;
  std::FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

/// "1:05" or "1:02:03".
std::string format_duration(double seconds);

}  // namespace silica::cli
