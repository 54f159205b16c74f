// Autograd switches.
#pragma once

namespace silica {

/// True while ops record their derivatives (the default).
bool grad_enabled();
void set_grad_enabled(bool enabled);

/// Turns recording off for its scope: `{ NoGradGuard g; ... }`.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace silica
