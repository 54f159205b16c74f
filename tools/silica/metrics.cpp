#include <cstdio>
#include <fstream>
#include <sstream>

#include "metrics.h"
#include "silica/error.h"
#include "silica/io/atomic_file.h"

namespace silica::cli {

std::string to_json_line(const EpochMetrics& m) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"epoch\": %d, \"train_loss\": %.6f, \"train_accuracy\": %.6f, \"test_loss\": %.6f, "
                "\"test_accuracy\": %.6f, \"seconds\": %.3f, \"samples_per_second\": %.1f}",
                m.epoch, m.train_loss, m.train_accuracy, m.test_loss, m.test_accuracy, m.seconds,
                m.samples_per_second);
  return buf;
}

std::vector<EpochMetrics> read_metrics_jsonl(const std::string& path) {
  std::vector<EpochMetrics> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    EpochMetrics m;
    int n = std::sscanf(line.c_str(),
                        "{\"epoch\": %d, \"train_loss\": %lf, \"train_accuracy\": %lf, \"test_loss\": %lf, "
                        "\"test_accuracy\": %lf, \"seconds\": %lf, \"samples_per_second\": %lf}",
                        &m.epoch, &m.train_loss, &m.train_accuracy, &m.test_loss, &m.test_accuracy, &m.seconds,
                        &m.samples_per_second);
    if (n != 7)
      throw Error("[metrics] " + path + " line " + std::to_string(number) +
                  " is not a metrics record written by silica train");
    out.push_back(m);
  }
  return out;
}

void write_metrics_jsonl(const std::string& path, const std::vector<EpochMetrics>& epochs) {
  std::string text;
  for (const auto& m : epochs) text += to_json_line(m) + "\n";
  io::write_file_atomically(path, text);
}

}  // namespace silica::cli
