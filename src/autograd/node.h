// Internal: the autograd tape. Each recorded op leaves a Node whose backward
// function maps the gradient of its output to gradients of its inputs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "silica/tensor.h"

namespace silica::autograd {

struct Node;

/// Maps d(loss)/d(output) to d(loss)/d(input_i). needs[i] says whether input i wants a
/// gradient; entries for inputs that do not may be left undefined. Runs with recording off.
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& grad, const std::vector<bool>& needs)>;

struct Node {
  std::string name;                             // op name, for error messages
  std::vector<std::shared_ptr<Node>> inputs;    // null where an input needs no grad
  BackwardFn backward;                          // null for leaf accumulators / freed graphs
  std::weak_ptr<TensorImpl> leaf;               // set for a leaf's accumulator
  bool freed = false;                           // backward ran without retain_graph
};

/// Records that `output` came from `inputs` through `name`, when recording is on and an
/// input requires grad. The backward function must return one entry per input, each of
/// that input's shape (use sum_to for broadcast inputs).
void record(const char* name, Tensor& output, const std::vector<Tensor>& inputs, BackwardFn fn);

/// Runs the backward pass from `root` with initial gradient `grad`.
void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph);

}  // namespace silica::autograd
