#include "progress.h"

#include <unistd.h>

namespace silica::cli {

namespace {
constexpr double kPlainInterval = 5.0;  // seconds between lines when not on a terminal
constexpr double kTtyInterval = 0.1;
constexpr int kBarWidth = 28;
}  // namespace

std::string format_duration(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

Progress::Progress(std::string label, int64_t total, std::FILE* out)
    : label_(std::move(label)), total_(total), out_(out), tty_(isatty(fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

void Progress::update(int64_t done, double loss, int64_t samples) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_print_).count();
  bool last = done >= total_;
  if (!last && since < (tty_ ? kTtyInterval : kPlainInterval)) return;
  last_print_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(samples) / elapsed : 0.0;
  double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0.0;
  if (tty_) {
    int filled = total_ > 0 ? static_cast<int>(kBarWidth * done / total_) : kBarWidth;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kBarWidth, '.');
    std::fprintf(out_, "\r%s [%s] %lld/%lld  loss %.4f  %.0f samples/s  ETA %s  ", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), loss, rate,
                 format_duration(eta).c_str());
  } else if (!last) {
    std::fprintf(out_, "%s  batch %lld/%lld  loss %.4f  %.0f samples/s  ETA %s\n", label_.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), loss, rate,
                 format_duration(eta).c_str());
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (tty_) std::fprintf(out_, "\n");
  std::fflush(out_);
}

}  // namespace silica::cli
