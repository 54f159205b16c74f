// Sequential, Residual, Lambda.
#include "silica/nn/container.h"

#include "silica/error.h"
#include "silica/ops.h"

namespace silica::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Module("Sequential") {
  for (const auto& m : modules) push_back(m);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> module) {
  if (!module) throw Error("[Sequential] cannot add a null module at position " + std::to_string(layers_.size()));
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(module)));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& layer : layers_) y = layer->forward(y);
  return y;
}

const std::shared_ptr<Module>& Sequential::operator[](size_t i) const {
  if (i >= layers_.size())
    throw Error("[Sequential] index " + std::to_string(i) + " out of range for " + std::to_string(layers_.size()) +
                " modules");
  return layers_[i];
}

std::shared_ptr<Sequential> sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  return std::make_shared<Sequential>(modules);
}

Residual::Residual(std::shared_ptr<Module> b, std::shared_ptr<Module> s)
    : Module("Residual"), body(std::move(b)), shortcut(std::move(s)) {
  if (!body) throw Error("[Residual] body must not be null");
  register_module("body", body);
  if (shortcut) register_module("shortcut", shortcut);
}

Tensor Residual::forward(const Tensor& x) {
  Tensor y = body->forward(x);
  Tensor skip = shortcut ? shortcut->forward(x) : x;
  if (y.shape() != skip.shape())
    throw Error("[Residual] body gives " + shape_str(y.shape()) + " but the shortcut gives " +
                shape_str(skip.shape()) + "; give a shortcut module (e.g. a 1x1 Conv2d) that matches");
  return y + skip;
}

Lambda::Lambda(std::function<Tensor(const Tensor&)> fn, std::string name)
    : Module(std::move(name)), fn_(std::move(fn)) {
  if (!fn_) throw Error("[Lambda] needs a function");
}

}  // namespace silica::nn
