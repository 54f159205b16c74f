// Module: registration, dotted naming, state dicts, modes, in-place moves.
#include "silica/nn/module.h"

#include <set>
#include <sstream>

#include "silica/autograd.h"
#include "silica/error.h"
#include "tensor_impl.h"

namespace silica::nn {

namespace {

// Points t's TensorImpl at moved's storage and layout, so every handle sharing the impl
// sees the move. The gradient, when present, is converted the same way by `convert`.
void rehome(Tensor& t, const Tensor& moved, const std::function<Tensor(const Tensor&)>& convert) {
  TensorImpl* impl = t.impl();
  if (moved.impl() == impl) return;
  TensorImpl* src = moved.impl();
  impl->storage = src->storage;
  impl->shape = src->shape;
  impl->strides = src->strides;
  impl->offset = src->offset;
  impl->dtype = src->dtype;
  if (impl->grad.defined()) impl->grad = convert(impl->grad);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

}  // namespace

void Module::check_new_name(const std::string& name, const char* what) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw Error(std::string("[") + what + "] name \"" + name + "\" of " + type_name_ +
                " must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw Error(std::string("[") + what + "] " + type_name_ + " already has a parameter, buffer or child named \"" +
                name + "\"");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor) {
  check_new_name(name, "register_parameter");
  if (!tensor.defined())
    throw Error("[register_parameter] " + type_name_ + "." + name + " is an undefined tensor");
  if (!is_floating(tensor.dtype()))
    throw Error("[register_parameter] " + type_name_ + "." + name + " must be floating to be trained, not " +
                dtype_name(tensor.dtype()) + "; register it as a buffer instead");
  if (!tensor.is_leaf())
    throw Error("[register_parameter] " + type_name_ + "." + name +
                " was computed by recorded ops; pass a leaf (e.g. t.detach())");
  tensor.requires_grad_(true);
  parameters_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name(name, "register_buffer");
  if (!tensor.defined()) throw Error("[register_buffer] " + type_name_ + "." + name + " is an undefined tensor");
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "register_module");
  if (!module) throw Error("[register_module] " + type_name_ + "." + name + " is a null module");
  children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix, bool parameters, NamedTensors& out) const {
  for (const auto& [name, t] : parameters ? parameters_ : buffers_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", parameters, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors all;
  collect("", true, all);
  NamedTensors unique;
  std::set<const TensorImpl*> seen;
  for (auto& entry : all)
    if (seen.insert(entry.second.impl()).second) unique.push_back(std::move(entry));
  return unique;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors all;
  collect("", false, all);
  return all;
}

std::vector<Tensor> Module::buffers() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_buffers()) out.push_back(t);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  NamedTensors all;
  collect("", true, all);
  collect("", false, all);
  for (const auto& [name, t] : all) out.emplace(name, t.detach());
  return out;
}

LoadResult Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  NamedTensors own;
  collect("", true, own);
  collect("", false, own);

  LoadResult result;
  std::vector<std::string> shape_errors;
  std::set<std::string> own_names;
  for (const auto& [name, t] : own) {
    own_names.insert(name);
    auto it = state.find(name);
    if (it == state.end()) {
      result.missing_keys.push_back(name);
    } else if (!it->second.defined()) {
      shape_errors.push_back(name + " is an undefined tensor in the checkpoint");
    } else if (it->second.shape() != t.shape()) {
      shape_errors.push_back(name + " has shape " + shape_str(it->second.shape()) + " in the checkpoint but " +
                             shape_str(t.shape()) + " in the model");
    }
  }
  for (const auto& [name, t] : state)
    if (!own_names.count(name)) result.unexpected_keys.push_back(name);

  if (!shape_errors.empty())
    throw Error("[load_state_dict] " + join(shape_errors) +
                "; the checkpoint was saved from a model of another configuration");
  if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty())) {
    std::string msg = "[load_state_dict] the checkpoint does not match this " + type_name_ + ":";
    if (!result.missing_keys.empty()) msg += " missing keys: " + join(result.missing_keys) + ";";
    if (!result.unexpected_keys.empty()) msg += " unexpected keys: " + join(result.unexpected_keys) + ";";
    msg += " pass strict=false to load the keys that match";
    throw Error(msg);
  }

  NoGradGuard no_grad;  // parameters require grad; copying into them is not a recorded op
  for (auto& [name, t] : own) {
    auto it = state.find(name);
    if (it != state.end()) t.copy_(it->second);
  }
  return result;
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
  return *this;
}

void Module::for_each_tensor(const std::function<void(Tensor&)>& fn) {
  for (auto& entry : parameters_) fn(entry.second);
  for (auto& entry : buffers_) fn(entry.second);
  for (auto& [name, child] : children_) child->for_each_tensor(fn);
}

Module& Module::to(const Device& device) {
  NoGradGuard no_grad;
  auto convert = [&](const Tensor& t) { return t.to(device); };
  std::set<const TensorImpl*> done;  // tied tensors move once
  for_each_tensor([&](Tensor& t) {
    if (done.insert(t.impl()).second) rehome(t, t.to(device), convert);
  });
  return *this;
}

Module& Module::to(DType dtype) {
  if (!is_floating(dtype))
    throw Error(std::string("[Module::to] modules convert to floating dtypes only, not ") + dtype_name(dtype));
  NoGradGuard no_grad;
  auto convert = [&](const Tensor& t) { return t.to(dtype); };
  std::set<const TensorImpl*> done;
  for_each_tensor([&](Tensor& t) {
    if (is_floating(t.dtype()) && done.insert(t.impl()).second) rehome(t, t.to(dtype), convert);
  });
  return *this;
}

void Module::zero_grad() {
  for_each_tensor([](Tensor& t) {
    if (t.requires_grad()) t.zero_grad();
  });
}

void Module::describe(std::string& out, int indent) const {
  out += type_name_ + "(" + extra_repr();
  if (children_.empty()) {
    out += ")";
    return;
  }
  if (!extra_repr().empty()) out += ",";
  out += "\n";
  std::string pad(static_cast<size_t>(indent + 2), ' ');
  for (const auto& [name, child] : children_) {
    out += pad + "(" + name + "): ";
    child->describe(out, indent + 2);
    out += "\n";
  }
  out += std::string(static_cast<size_t>(indent), ' ') + ")";
}

std::string Module::str() const {
  std::string out;
  describe(out, 0);
  return out;
}

}  // namespace silica::nn
