// Per-step loss and accuracy counts, kept on the device and read back a batch of steps at
// a time. Reading them every step would make the host wait for the device at every step,
// so a GPU could never run ahead of the host; reading them a few times a second keeps
// the progress bar live. The host adds the per-step values in step order, in double, so
// the sums do not depend on when they were read (a resumed run matches an unbroken one).
#pragma once

#include <chrono>
#include <vector>

#include "checkpoint.h"
#include "silica/silica.h"

namespace silica::cli {

class PendingStats {
 public:
  /// Records one step: the batch's mean loss, and how many argmax(logits) equal labels.
  void add(const Tensor& loss, const Tensor& logits, const Tensor& labels) {
    NoGradGuard no_grad;
    // f32 on the device (GPUs may lack f64: Vulkan does); to_vector widens on the host.
    steps_.push_back(stack({loss.detach().to(DType::f32), sum(eq(argmax(logits, 1), labels)).to(DType::f32)}));
    samples_.push_back(logits.size(0));
  }

  /// Whether enough steps, or enough time, have gone by to read them back.
  bool due() const {
    return steps_.size() >= kMaxSteps || (!steps_.empty() && Clock::now() - last_drain_ > kMaxWait);
  }

  /// Reads back every pending step and adds it to `s` (loss_sum, correct, samples).
  void drain(TrainingState& s) {
    last_drain_ = Clock::now();
    if (steps_.empty()) return;
    std::vector<double> v = stack(steps_).to_vector<double>();
    for (size_t i = 0; i < samples_.size(); ++i) {
      s.loss_sum += v[2 * i] * static_cast<double>(samples_[i]);
      s.correct += static_cast<int64_t>(v[2 * i + 1]);
      s.samples += samples_[i];
    }
    steps_.clear();
    samples_.clear();
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxSteps = 100;
  static constexpr std::chrono::milliseconds kMaxWait{250};
  std::vector<Tensor> steps_;
  std::vector<int64_t> samples_;
  Clock::time_point last_drain_ = Clock::now();
};

}  // namespace silica::cli
