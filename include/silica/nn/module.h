// Module: the base of every layer. A module owns named parameters (trained), named buffers
// (saved but not trained, e.g. BatchNorm's running statistics) and named child modules,
// and maps one tensor to another in forward().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "silica/tensor.h"

namespace silica::nn {

/// (name, tensor) pairs in registration order; names of nested tensors are dotted
/// paths like PyTorch's: "features.0.weight".
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// What load_state_dict(strict = false) skipped.
struct LoadResult {
  std::vector<std::string> missing_keys;     // in the model, absent from the checkpoint
  std::vector<std::string> unexpected_keys;  // in the checkpoint, absent from the model
};

/// Base class of layers and models. Modules are held by std::shared_ptr and are not copyable.
///
/// Tensor identity: registered tensors are handles that share their TensorImpl with the
/// layer's member fields (e.g. Linear::weight). to(device) and to(dtype) move each
/// parameter and buffer *in place*: the same TensorImpl gets the new storage, so every
/// handle taken before the move (an optimizer's parameter list, a member field) sees the
/// moved tensor. Optimizers may therefore be created before or after to(); state they
/// already hold follows the parameters on the next step(). Views or detach()ed handles
/// taken before the move keep the old storage. load_state_dict() copies values into the
/// existing tensors too, so it also keeps handles valid.
class Module {
 public:
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The layer's computation.
  virtual Tensor forward(const Tensor& x) = 0;
  /// Same as forward(x).
  Tensor operator()(const Tensor& x) { return forward(x); }

  /// Class name as printed: "Linear", "Sequential".
  const std::string& type_name() const { return type_name_; }
  /// Settings shown in str(), e.g. "in_features=784, out_features=10, bias=true".
  virtual std::string extra_repr() const { return ""; }
  /// Multi-line description of this module and its children, like PyTorch's repr.
  std::string str() const;

  // ---- Parameters, buffers, children ----
  /// Parameters of this module and all descendants, dotted names; a tensor registered
  /// under two names (tied weights) appears once, under its first name.
  NamedTensors named_parameters() const;
  /// The tensors of named_parameters(), the list an optimizer takes.
  std::vector<Tensor> parameters() const;
  /// Buffers of this module and all descendants, dotted names.
  NamedTensors named_buffers() const;
  std::vector<Tensor> buffers() const;
  /// Direct children in registration order.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const {
    return children_;
  }
  /// Calls fn on every descendant (children first, depth first), then on this module.
  void apply(const std::function<void(Module&)>& fn);
  /// Number of trainable scalars (elements of all parameters, tied ones once).
  int64_t num_parameters() const;

  // ---- Checkpoints ----
  /// Parameters and buffers by dotted name (detached handles sharing the model's storage).
  std::map<std::string, Tensor> state_dict() const;
  /// Copies values from `state` into the model's tensors (converting dtype and device).
  /// Shape mismatches are always errors, and nothing is copied when any is found. With
  /// strict, missing or unexpected keys are errors; otherwise they are returned.
  LoadResult load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // ---- Modes and placement ----
  /// Training mode (true) or evaluation mode, for this module and all descendants.
  /// Changes BatchNorm (batch vs running statistics) and Dropout (active vs identity).
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  /// Moves every parameter and buffer to `device` in place (see the class comment).
  Module& to(const Device& device);
  Module& to(const char* device) { return to(Device(device)); }
  /// Converts floating parameters and buffers to `dtype` in place; integer buffers stay.
  Module& to(DType dtype);
  /// Forgets the gradients of all parameters (they become undefined, as in PyTorch's
  /// set_to_none=True).
  void zero_grad();

 protected:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}

  /// Registers a trainable tensor (sets requires_grad on it) and returns the same handle.
  /// Names are unique within a module and contain no '.'.
  Tensor register_parameter(const std::string& name, Tensor tensor);
  /// Registers a tensor that is saved in state_dict() but not trained.
  Tensor register_buffer(const std::string& name, Tensor tensor);
  /// Registers a child; its tensors appear as "<name>.<their name>".
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void check_new_name(const std::string& name, const char* what) const;
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect(const std::string& prefix, bool parameters, NamedTensors& out) const;
  void describe(std::string& out, int indent) const;
  void for_each_tensor(const std::function<void(Tensor&)>& fn);

  std::string type_name_;
  bool training_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

/// Makes a module: `auto fc = nn::make<nn::Linear>(784, 10);`.
template <typename M, typename... Args>
std::shared_ptr<M> make(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

}  // namespace silica::nn
