// Reverse-mode autograd over the dynamic tape of Nodes.
#include <unordered_map>
#include <unordered_set>

#include "autograd/node.h"
#include "silica/autograd.h"
#include "silica/error.h"
#include "silica/ops.h"
#include "tensor_impl.h"

namespace silica {

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool enabled) { g_grad_enabled = enabled; }

namespace autograd {

namespace {

// The node that receives gradients for `t`: its grad_fn, or its leaf accumulator.
std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl || !impl->requires_grad) return nullptr;
  if (impl->grad_fn) return impl->grad_fn;
  if (!impl->grad_accumulator) {
    auto acc = std::make_shared<Node>();
    acc->name = "accumulate_grad";
    acc->leaf = t.impl_ptr();
    impl->grad_accumulator = acc;
  }
  return impl->grad_accumulator;
}

}  // namespace

void record(const char* name, Tensor& output, const std::vector<Tensor>& inputs, BackwardFn fn) {
  if (!grad_enabled()) return;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return;
  if (!is_floating(output.dtype())) return;  // integer/bool results carry no gradient
  auto node = std::make_shared<Node>();
  node->name = name;
  node->backward = std::move(fn);
  for (const Tensor& t : inputs) node->inputs.push_back(t.defined() ? gradient_edge(t) : nullptr);
  output.impl()->requires_grad = true;
  output.impl()->grad_fn = std::move(node);
}

void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  NoGradGuard no_grad;  // gradients are not themselves recorded
  std::shared_ptr<Node> start = gradient_edge(root);
  // Topological order by iterative depth-first search (post-order, then reversed).
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack{{start.get(), 0}};
  seen.insert(start.get());
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* child = node->inputs[next++].get();
      if (child && seen.insert(child).second) stack.push_back({child, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  std::unordered_map<Node*, Tensor> grads;
  grads[start.get()] = grad;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* node = *it;
    auto found = grads.find(node);
    if (found == grads.end()) continue;
    Tensor g = found->second;
    grads.erase(found);
    if (auto leaf = node->leaf.lock()) {
      Tensor leaf_t(leaf);
      if (g.shape() != leaf->shape) g = sum_to(g, leaf->shape);
      if (g.dtype() != leaf->dtype) g = g.to(leaf->dtype);
      if (leaf->grad.defined()) {
        leaf->grad = leaf->grad + g;
      } else {
        // The leaf keeps g itself when nothing else can see its memory (a fresh result no
        // other node or caller holds); otherwise a private contiguous copy, since users
        // modify .grad() in place (clip_grad_norm_). contiguous() of a strided g is fresh.
        Tensor own = g.contiguous();
        g = Tensor();  // so that the counts below see only other holders
        const bool alone = own.impl_ptr().use_count() == 1 && own.impl()->storage.use_count() == 1;
        leaf->grad = alone ? own : own.clone();
      }
      continue;
    }
    if (node->freed)
      throw Error("[backward] the graph through '" + node->name +
                  "' was already freed by an earlier backward(); pass retain_graph=true to the "
                  "first call to walk it twice");
    if (!node->backward) continue;
    std::vector<bool> needs(node->inputs.size());
    for (size_t i = 0; i < needs.size(); ++i) needs[i] = node->inputs[i] != nullptr;
    std::vector<Tensor> in_grads = node->backward(g, needs);
    if (in_grads.size() != node->inputs.size())
      throw Error("[backward] internal: '" + node->name + "' returned " + std::to_string(in_grads.size()) +
                  " gradients for " + std::to_string(node->inputs.size()) + " inputs");
    if (!retain_graph) {
      node->backward = nullptr;
      node->freed = true;
    }
    for (size_t i = 0; i < in_grads.size(); ++i) {
      Node* target = node->inputs[i].get();
      if (!target || !in_grads[i].defined()) continue;
      auto slot = grads.find(target);
      if (slot == grads.end()) grads.emplace(target, in_grads[i]);
      else slot->second = slot->second + in_grads[i];
    }
  }
}

}  // namespace autograd
}  // namespace silica
