// Sends ops to the device of their tensors; the optional CPU fallback lives here.
#include "dispatch.h"

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "silica/error.h"
#include "tensor_impl.h"

namespace silica::detail {

SilicaTensorDesc describe(const Tensor& t) {
  SilicaTensorDesc d{};
  TensorImpl* impl = t.impl();
  d.buffer = impl->storage->buffer;
  d.offset = static_cast<uint64_t>(impl->offset * dtype_size(impl->dtype));
  d.dtype = static_cast<int32_t>(impl->dtype);
  d.ndim = static_cast<int32_t>(impl->shape.size());
  for (int i = 0; i < d.ndim; ++i) {
    d.shape[i] = impl->shape[i];
    d.strides[i] = impl->strides[i];
  }
  return d;
}

namespace {

bool fallback_enabled() {
  const char* env = std::getenv("SILICA_CPU_FALLBACK");
  return env && std::string(env) == "1";
}

std::string operands(const std::vector<Tensor>& ts) {
  std::string s;
  for (const auto& t : ts) s += (s.empty() ? "" : ", ") + shape_str(t.shape()) + " " + dtype_name(t.dtype());
  return s;
}

void warn_once(const char* name, const Device& device, DType dtype) {
  static std::mutex mu;
  static std::set<std::string> warned;
  std::string key = std::string(name) + "/" + device.str() + "/" + dtype_name(dtype);
  std::lock_guard<std::mutex> lock(mu);
  if (warned.insert(key).second)
    std::cerr << "silica: warning: " << name << " (" << dtype_name(dtype) << ") is not implemented on "
              << device.str() << "; running it on the CPU (SILICA_CPU_FALLBACK=1)\n";
}

void run_on(Backend* b, int device_index, const char* name, SilicaOp op, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs, const Attrs& attrs, const std::string& device_str) {
  SilicaTensorDesc in[16];
  SilicaTensorDesc out[8];
  for (size_t i = 0; i < inputs.size(); ++i) in[i] = describe(inputs[i]);
  for (size_t i = 0; i < outputs.size(); ++i) out[i] = describe(outputs[i]);
  SilicaStatus st = b->api.run(b->api.context, device_index, op, in, static_cast<int32_t>(inputs.size()), out,
                               static_cast<int32_t>(outputs.size()), &attrs.raw);
  if (st != SILICA_OK)
    b->check(st, std::string("[") + name + "] on " + device_str +
                     (inputs.empty() ? " into " + operands(outputs) : " with " + operands(inputs)));
}

}  // namespace

bool device_supports(SilicaOp op, DType dtype, const Device& device) {
  Backend* b = device.backend();
  return b->api.supports(b->api.context, device.index(), op, static_cast<int32_t>(dtype)) != 0;
}

void run_op(const char* name, SilicaOp op, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs, const Attrs& attrs) {
  if (inputs.size() > 16 || outputs.size() > 8) throw Error(std::string("[") + name + "] too many operands");
  const Tensor& first = inputs.empty() ? outputs.front() : inputs.front();
  Device device = first.device();
  for (const auto* list : {&inputs, &outputs})
    for (const Tensor& t : *list)
      if (t.device() != device)
        throw Error(std::string("[") + name + "] tensors are on different devices: " + device.str() +
                    " and " + t.device().str() + "; move them to one device with .to(device)");
  for (const Tensor& t : outputs)
    if (t.numel() == 0) return;  // nothing to compute
  Backend* b = device.backend();
  // supports() is asked with the first input's dtype; for where, the dtype of its values.
  DType dtype = op == SILICA_OP_WHERE ? inputs[1].dtype() : first.dtype();
  if (b->api.supports(b->api.context, device.index(), op, static_cast<int32_t>(dtype))) {
    run_on(b, device.index(), name, op, inputs, outputs, attrs, device.str());
    return;
  }
  if (!fallback_enabled() || device.is_cpu())
    throw Error(
        std::string("[") + name + "] is not implemented for " + dtype_name(dtype) + " on " + device.str() +
        " (" + device.name() + ")" +
        (device.is_cpu() ? std::string("") : "; set SILICA_CPU_FALLBACK=1 to run it on the CPU instead"));
  warn_once(name, device, dtype);
  Device cpu;
  std::vector<Tensor> cpu_in, cpu_out;
  for (const Tensor& t : inputs) cpu_in.push_back(t.to(cpu));
  for (const Tensor& t : outputs) cpu_out.push_back(t.to(cpu));
  Backend* c = cpu.backend();
  if (!c->api.supports(c->api.context, 0, op, static_cast<int32_t>(dtype)))
    throw Error(std::string("[") + name + "] is not implemented for " + dtype_name(dtype) + " on " +
                device.str() + " nor on the CPU");
  run_on(c, 0, name, op, cpu_in, cpu_out, attrs, "cpu");
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor dst = outputs[i];
    dst.copy_(cpu_out[i]);
  }
}

}  // namespace silica::detail
