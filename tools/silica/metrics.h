// Per-epoch training metrics: what metrics.jsonl holds and curves.png draws.
#pragma once

#include <string>
#include <vector>

namespace silica::cli {

struct EpochMetrics {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double test_loss = 0, test_accuracy = 0;  // accuracies in [0, 1]
  double seconds = 0;                       // wall time of the epoch (training + evaluation)
  double samples_per_second = 0;            // training samples per second
};

/// One JSON object on one line, keys in a fixed order.
std::string to_json_line(const EpochMetrics& m);
/// Parses lines written by to_json_line (used when resuming a run); throws on malformed lines.
std::vector<EpochMetrics> read_metrics_jsonl(const std::string& path);
/// Writes all epochs to path atomically (temporary file + rename).
void write_metrics_jsonl(const std::string& path, const std::vector<EpochMetrics>& epochs);

/// Draws loss and accuracy per epoch (train and test) into a PNG; throws on failure.
void plot_curves(const std::vector<EpochMetrics>& epochs, const std::string& png_path);

}  // namespace silica::cli
