// Containers and glue: Sequential, Residual, Lambda, Identity.
#pragma once

#include <functional>
#include <initializer_list>

#include "silica/nn/module.h"

namespace silica::nn {

/// Runs its children in order, each on the previous one's output. Children are named
/// "0", "1", ... as in PyTorch, so parameters read "3.weight".
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  /// Appends a module (named by its position).
  Sequential& push_back(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return layers_.size(); }
  /// The i-th module.
  const std::shared_ptr<Module>& operator[](size_t i) const;

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

/// A Sequential of `modules`: `auto net = nn::sequential({nn::make<nn::Linear>(784, 10), ...});`.
std::shared_ptr<Sequential> sequential(std::initializer_list<std::shared_ptr<Module>> modules);

/// y = body(x) + shortcut(x), the shortcut being the identity when none is given
/// (a ResNet block; use a 1x1 Conv2d shortcut when shapes change). Children "body" and
/// "shortcut".
class Residual : public Module {
 public:
  explicit Residual(std::shared_ptr<Module> body, std::shared_ptr<Module> shortcut = nullptr);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<Module> body;
  std::shared_ptr<Module> shortcut;  // null: identity
};

/// A parameter-free module from a function: `make<Lambda>([](const Tensor& x) { return x * 2.0; })`.
class Lambda : public Module {
 public:
  explicit Lambda(std::function<Tensor(const Tensor&)> fn, std::string name = "Lambda");
  Tensor forward(const Tensor& x) override { return fn_(x); }

 private:
  std::function<Tensor(const Tensor&)> fn_;
};

/// Returns its input.
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

/// Flattens dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override { return x.flatten(start_dim, end_dim); }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }

  int64_t start_dim, end_dim;
};

}  // namespace silica::nn
