#include "instance.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "coopmat_khr.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool env_is(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v && std::strcmp(v, value) == 0;
}

bool env_contains(const char* name, const char* text) {
  const char* v = std::getenv(name);
  return v && std::strstr(v, text) != nullptr;
}

bool has_layer(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

std::vector<VkExtensionProperties> instance_extensions(const char* layer) {
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(layer, &n, nullptr);
  std::vector<VkExtensionProperties> ext(n);
  vkEnumerateInstanceExtensionProperties(layer, &n, ext.data());
  return ext;
}

bool has_extension(const std::vector<VkExtensionProperties>& list, const char* name) {
  for (const auto& e : list)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_debug_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                VkDebugUtilsMessageTypeFlagsEXT type,
                                                const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                void* user) {
  // Validation findings (warnings included) fail the op that caused them; general
  // messages (loader chatter) only when they are errors.
  bool counts = (type & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT) ||
                (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT);
  if (counts && data && data->pMessage) static_cast<Instance*>(user)->note_validation_message(data->pMessage);
  return VK_FALSE;
}

SilicaDeviceKind kind_of(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return SILICA_DEVICE_DISCRETE_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return SILICA_DEVICE_INTEGRATED_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return SILICA_DEVICE_CPU;
    default: return SILICA_DEVICE_OTHER;
  }
}

// Best kind first, so that vulkan:0 is the real GPU on a machine that also has lavapipe.
int kind_rank(int32_t kind) {
  switch (kind) {
    case SILICA_DEVICE_DISCRETE_GPU: return 0;
    case SILICA_DEVICE_INTEGRATED_GPU: return 1;
    case SILICA_DEVICE_OTHER: return 2;
    default: return 3;
  }
}

std::vector<VkExtensionProperties> device_extensions(VkPhysicalDevice pd) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> ext(n);
  vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, ext.data());
  return ext;
}

// What both tensor-core GEMMs need besides their extension's shapes: subgroups of 32 (the
// shader's layout of accumulators over lanes), the Vulkan memory model with device scope
// (the shader's scoped barriers declare the model; with it on, every other shader's
// device-scope atomics need device scope) and shaderFloat16, each from its extension (a
// Vulkan 1.1 device has them only as extensions). `ext` lists the device's extensions;
// `coop` is the extension's feature struct, chained into the query, and `flag` its
// cooperativeMatrix member.
[[maybe_unused]] bool coopmat_basics(VkPhysicalDevice pd, const std::vector<VkExtensionProperties>& ext,
                                     const char* what, void* coop, const VkBool32* flag) {
  const bool verbose = std::getenv("SILICA_VULKAN_VERBOSE") != nullptr;
  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(pd, &p2);
  if (subgroup.subgroupSize != 32) {
    if (verbose) std::fprintf(stderr, "silica vulkan: %s: subgroup size %u\n", what, subgroup.subgroupSize);
    return false;
  }
  if (!has_extension(ext, VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME) ||
      !has_extension(ext, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME)) {
    if (verbose)
      std::fprintf(stderr, "silica vulkan: %s: no VK_KHR_vulkan_memory_model or shader_float16_int8\n", what);
    return false;
  }
  VkPhysicalDeviceShaderFloat16Int8Features f16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDeviceVulkanMemoryModelFeaturesKHR memory_model{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES_KHR};
  f16.pNext = coop;
  static_cast<VkBaseOutStructure*>(coop)->pNext = reinterpret_cast<VkBaseOutStructure*>(&memory_model);
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  f2.pNext = &f16;
  vkGetPhysicalDeviceFeatures2(pd, &f2);
  if (!f16.shaderFloat16 || !*flag || !memory_model.vulkanMemoryModel ||
      !memory_model.vulkanMemoryModelDeviceScope) {
    if (verbose)
      std::fprintf(stderr,
                   "silica vulkan: %s: shaderFloat16 %d, cooperativeMatrix %d, vulkanMemoryModel %d, "
                   "vulkanMemoryModelDeviceScope %d\n",
                   what, f16.shaderFloat16, *flag, memory_model.vulkanMemoryModel,
                   memory_model.vulkanMemoryModelDeviceScope);
    return false;
  }
  return true;
}

// One entry of a cooperative-matrix property list (NV or KHR; for the flexible shapes of
// VK_NV_cooperative_matrix2, m, n, k are granularities).
struct MatrixShape {
  uint32_t m, n, k, a, b, c, result, scope;
  uint32_t invocations = 0;  // flexible shapes: the workgroup size they are for
};

// The list, one line a shape, where SILICA_VULKAN_VERBOSE is set.
[[maybe_unused]] void print_shapes(const std::vector<MatrixShape>& list, const char* what) {
  if (!std::getenv("SILICA_VULKAN_VERBOSE")) return;
  for (const MatrixShape& s : list) {
    char invocations[32] = "";
    if (s.invocations) std::snprintf(invocations, sizeof invocations, ", %u invocations", s.invocations);
    std::fprintf(stderr, "silica vulkan: %s shape %ux%ux%u, types A %u B %u C %u result %u, scope %u%s\n",
                 what, s.m, s.n, s.k, s.a, s.b, s.c, s.result, s.scope, invocations);
  }
}

// Whether the list has 16x16x16 `ab` x `ab` + f32 on subgroups (`ab`: f16 or bf16).
[[maybe_unused]] bool has_shape(const std::vector<MatrixShape>& list, const char* what, uint32_t ab,
                                uint32_t f32, uint32_t subgroup) {
  bool found = false;
  for (const MatrixShape& s : list)
    found = found || (s.m == 16 && s.n == 16 && s.k == 16 && s.a == ab && s.b == ab && s.c == f32 &&
                      s.result == f32 && s.scope == subgroup);
  if (!found && std::getenv("SILICA_VULKAN_VERBOSE"))
    std::fprintf(stderr, "silica vulkan: %s: no 16x16x16 subgroup shape of type %u\n", what, ab);
  return found;
}

// Whether the NV cooperative-matrix GEMM can run: the module was built, the device does
// 16x16x16 f16 x f16 + f32 on subgroups and has the basics above.
bool coopmat_nv_usable(VkInstance instance, VkPhysicalDevice pd,
                       const std::vector<VkExtensionProperties>& ext) {
#ifdef SILICA_VULKAN_COOPMAT_NV
  if (std::getenv("SILICA_VULKAN_NO_COOPMAT")) return false;
  auto props = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coop{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  if (!props || !coopmat_basics(pd, ext, "NV coopmat", &coop, &coop.cooperativeMatrix)) return false;
  uint32_t n = 0;
  if (props(pd, &n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkCooperativeMatrixPropertiesNV> raw(n, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
  if (props(pd, &n, raw.data()) != VK_SUCCESS) return false;
  std::vector<MatrixShape> list;
  for (const auto& c : raw)
    list.push_back({c.MSize, c.NSize, c.KSize, uint32_t(c.AType), uint32_t(c.BType), uint32_t(c.CType),
                    uint32_t(c.DType), uint32_t(c.scope)});
  print_shapes(list, "NV coopmat");
  return has_shape(list, "NV coopmat", VK_COMPONENT_TYPE_FLOAT16_NV, VK_COMPONENT_TYPE_FLOAT32_NV,
                   VK_SCOPE_SUBGROUP_NV);
#else
  (void)instance, (void)pd, (void)ext;
  return false;
#endif
}

// The KHR cooperative-matrix shapes of a device (empty where it has none).
[[maybe_unused]] std::vector<MatrixShape> khr_shapes(VkInstance instance, VkPhysicalDevice pd) {
  auto props = reinterpret_cast<khr::GetProperties>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR"));
  uint32_t n = 0;
  if (!props || props(pd, &n, nullptr) != VK_SUCCESS) return {};
  std::vector<khr::CooperativeMatrixProperties> raw(n);
  if (props(pd, &n, raw.data()) != VK_SUCCESS) return {};
  std::vector<MatrixShape> list;
  for (const auto& c : raw)
    list.push_back({c.MSize, c.NSize, c.KSize, c.AType, c.BType, c.CType, c.ResultType, c.scope});
  return list;
}

// The same for the KHR cooperative-matrix GEMM; *shapes receives the device's KHR shapes
// (for coopmat_khr_bf16_usable).
bool coopmat_khr_usable(VkInstance instance, VkPhysicalDevice pd,
                        const std::vector<VkExtensionProperties>& ext, std::vector<MatrixShape>* shapes) {
#ifdef SILICA_VULKAN_COOPMAT_KHR
  if (std::getenv("SILICA_VULKAN_NO_COOPMAT") || std::getenv("SILICA_VULKAN_NO_COOPMAT_KHR")) return false;
  khr::CooperativeMatrixFeatures coop;
  if (!coopmat_basics(pd, ext, "KHR coopmat", &coop, &coop.cooperativeMatrix)) return false;
  *shapes = khr_shapes(instance, pd);
  print_shapes(*shapes, "KHR coopmat");
  return has_shape(*shapes, "KHR coopmat", khr::kFloat16, khr::kFloat32, khr::kScopeSubgroup);
#else
  (void)instance, (void)pd, (void)ext, (void)shapes;
  return false;
#endif
}

// Where the KHR GEMM is usable, whether workgroup-scope matrices (matmul_coopmat2) are
// too: VK_NV_cooperative_matrix2 with workgroup scope, flexible dimensions and tensor
// addressing, Vulkan 1.3 (the module is SPIR-V 1.6), bindings on 16-byte boundaries, and
// a flexible f16 x f16 + f32 shape at workgroup scope, whose workgroup size and
// granularity go to *features.
// SILICA_VULKAN_NO_COOPMAT2 turns it off (for measuring).
void coopmat2_nv_probe(VkInstance instance, VkPhysicalDevice pd, const VkPhysicalDeviceProperties& props,
                       const std::vector<VkExtensionProperties>& ext, DeviceFeatures* features) {
#ifdef SILICA_VULKAN_COOPMAT2_NV
  const bool verbose = std::getenv("SILICA_VULKAN_VERBOSE") != nullptr;
  // Tensor loads and stores need 16-byte aligned bases: bindings must start on them.
  if (std::getenv("SILICA_VULKAN_NO_COOPMAT2") || !has_extension(ext, khr::kNv2Extension) ||
      props.apiVersion < VK_API_VERSION_1_3 || props.limits.minStorageBufferOffsetAlignment % 16 != 0)
    return;
  khr::CooperativeMatrix2Features f;
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  f2.pNext = &f;
  vkGetPhysicalDeviceFeatures2(pd, &f2);
  khr::CooperativeMatrix2Properties p;
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &p;
  vkGetPhysicalDeviceProperties2(pd, &p2);
  if (verbose)
    std::fprintf(
        stderr,
        "silica vulkan: NV coopmat2: workgroup scope %d, flexible dimensions %d, tensor addressing %d, "
        "max workgroup %u, max dimension %u, reserved shared memory %u\n",
        f.cooperativeMatrixWorkgroupScope, f.cooperativeMatrixFlexibleDimensions,
        f.cooperativeMatrixTensorAddressing, p.cooperativeMatrixWorkgroupScopeMaxWorkgroupSize,
        p.cooperativeMatrixFlexibleDimensionsMaxDimension,
        p.cooperativeMatrixWorkgroupScopeReservedSharedMemory);
  if (!f.cooperativeMatrixWorkgroupScope || !f.cooperativeMatrixFlexibleDimensions ||
      !f.cooperativeMatrixTensorAddressing)
    return;
  auto list = reinterpret_cast<khr::GetFlexibleProperties>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixFlexibleDimensionsPropertiesNV"));
  uint32_t n = 0;
  if (!list || list(pd, &n, nullptr) != VK_SUCCESS) return;
  std::vector<khr::FlexibleDimensionsProperties> shapes(n);
  if (list(pd, &n, shapes.data()) != VK_SUCCESS) return;
  if (verbose) {
    std::vector<MatrixShape> listed;
    for (const auto& s : shapes)
      listed.push_back({s.MGranularity, s.NGranularity, s.KGranularity, s.AType, s.BType, s.CType,
                        s.ResultType, s.scope, s.workgroupInvocations});
    print_shapes(listed, "NV coopmat2 flexible");
  }
  // The largest workgroup for f16 (on an H200 the list offers 32 to 256 invocations, and
  // 32 ran a 128 x 128 tile at 13 TFLOP/s), then whether bf16 has the same.
  const auto fits = [&](const khr::FlexibleDimensionsProperties& s, uint32_t ab) {
    return s.AType == ab && s.BType == ab && s.CType == khr::kFloat32 && s.ResultType == khr::kFloat32 &&
           s.scope == khr::kScopeWorkgroup && !s.saturatingAccumulation &&
           s.workgroupInvocations <= p.cooperativeMatrixWorkgroupScopeMaxWorkgroupSize &&
           s.workgroupInvocations <= props.limits.maxComputeWorkGroupInvocations;
  };
  for (const auto& s : shapes)
    if (fits(s, khr::kFloat16) && s.workgroupInvocations > features->coopmat2_invocations) {
      features->coopmat2_invocations = s.workgroupInvocations;
      features->coopmat2_granularity[0] = s.MGranularity;
      features->coopmat2_granularity[1] = s.NGranularity;
      features->coopmat2_granularity[2] = s.KGranularity;
    }
  const uint32_t* q = features->coopmat2_granularity;
  for (const auto& s : shapes)
    features->coopmat2_bf16 =
        features->coopmat2_bf16 ||
        (features->coopmat_khr_bf16 && fits(s, khr::kBFloat16) &&
         s.workgroupInvocations == features->coopmat2_invocations && q[0] % s.MGranularity == 0 &&
         q[1] % s.NGranularity == 0 && q[2] % s.KGranularity == 0);
#else
  (void)instance, (void)pd, (void)props, (void)ext, (void)features;
#endif
}

// Whether the KHR GEMM can also take bf16 operands natively (matmul_coopmat_khr_bf16): the
// device has VK_KHR_shader_bfloat16 with bf16 types and cooperative matrices, and 16x16x16
// bf16 x bf16 + f32 on subgroups among `shapes` (its KHR shapes). Asked only where the KHR
// GEMM is usable. SILICA_VULKAN_NO_NATIVE_BF16 keeps bf16 products on scaled f16 copies
// (for measuring).
bool coopmat_khr_bf16_usable(VkPhysicalDevice pd, const std::vector<VkExtensionProperties>& ext,
                             const std::vector<MatrixShape>& shapes) {
#ifdef SILICA_VULKAN_COOPMAT_KHR
  if (std::getenv("SILICA_VULKAN_NO_NATIVE_BF16") || !has_extension(ext, khr::kBFloat16Extension))
    return false;
  khr::BFloat16Features bf16;
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  f2.pNext = &bf16;
  vkGetPhysicalDeviceFeatures2(pd, &f2);
  if (!bf16.shaderBFloat16Type || !bf16.shaderBFloat16CooperativeMatrix) {
    if (std::getenv("SILICA_VULKAN_VERBOSE"))
      std::fprintf(stderr,
                   "silica vulkan: bf16 coopmat: shaderBFloat16Type %d, shaderBFloat16CooperativeMatrix %d\n",
                   bf16.shaderBFloat16Type, bf16.shaderBFloat16CooperativeMatrix);
    return false;
  }
  return has_shape(shapes, "bf16 coopmat", khr::kBFloat16, khr::kFloat32, khr::kScopeSubgroup);
#else
  (void)pd, (void)ext, (void)shapes;
  return false;
#endif
}

}  // namespace

Instance* Instance::create(std::string* why) {
  auto* inst = new Instance();
  if (!inst->init(why)) {
    delete inst;
    return nullptr;
  }
  inst->enumerate();
  return inst;
}

bool Instance::init(std::string* why) {
  const bool want_layer = env_is("SILICA_VULKAN_VALIDATION", "1");
  const bool layer_from_env = env_contains("VK_INSTANCE_LAYERS", kValidationLayer);
  std::vector<const char*> layers;
  if (want_layer && !layer_from_env) {
    if (!has_layer(kValidationLayer)) {
      *why =
          "SILICA_VULKAN_VALIDATION=1 but the Khronos validation layer is not installed "
          "(apt-get install vulkan-validationlayers)";
      return false;
    }
    layers.push_back(kValidationLayer);
  }
  validation_ = want_layer || layer_from_env;

  std::vector<const char*> extensions;
  VkInstanceCreateFlags flags = 0;
  auto available = instance_extensions(nullptr);
  // MoltenVK is a "portability" driver: the loader lists it only when asked to.
  if (has_extension(available, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
    extensions.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
  }
  bool debug_utils = false;
  if (validation_) {
    auto from_layer = instance_extensions(kValidationLayer);
    debug_utils = has_extension(available, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
                  has_extension(from_layer, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    if (debug_utils) extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "silica";
  app.pEngineName = "silica";
  app.apiVersion = VK_API_VERSION_1_3;  // the highest used: matmul_coopmat2 is SPIR-V 1.6
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.flags = flags;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  VkResult r = vkCreateInstance(&info, nullptr, &instance_);
  if (r != VK_SUCCESS) {
    *why = std::string("vkCreateInstance failed (") + std::to_string(r) +
           "): no usable Vulkan loader or driver (install a Vulkan driver, e.g. mesa-vulkan-drivers)";
    return false;
  }
  if (debug_utils) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    VkDebugUtilsMessengerCreateInfoEXT m{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    m.messageSeverity =
        VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    m.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    m.pfnUserCallback = on_debug_message;
    m.pUserData = this;
    if (create) create(instance_, &m, nullptr, &messenger_);
  }
  return true;
}

void Instance::enumerate() {
  uint32_t n = 0;
  vkEnumeratePhysicalDevices(instance_, &n, nullptr);
  std::vector<VkPhysicalDevice> handles(n);
  vkEnumeratePhysicalDevices(instance_, &n, handles.data());
  for (VkPhysicalDevice h : handles) {
    PhysicalDevice pd;
    pd.handle = h;
    vkGetPhysicalDeviceProperties(h, &pd.properties);
    vkGetPhysicalDeviceMemoryProperties(h, &pd.memory);
    if (pd.properties.apiVersion < VK_API_VERSION_1_1) continue;  // push constants etc. need 1.1

    uint32_t families = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(h, &families, nullptr);
    std::vector<VkQueueFamilyProperties> fam(families);
    vkGetPhysicalDeviceQueueFamilyProperties(h, &families, fam.data());
    bool found = false;
    for (uint32_t i = 0; i < families && !found; ++i)
      if (fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
        pd.compute_family = i, pd.timestamp_bits = fam[i].timestampValidBits, found = true;
    if (!found) continue;

    auto ext = device_extensions(h);
    if (std::getenv("SILICA_VULKAN_VERBOSE")) {
      std::string names;
      for (const auto& e : ext)
        if (std::strstr(e.extensionName, "cooperative") || std::strstr(e.extensionName, "bfloat16"))
          names += std::string(" ") + e.extensionName + "(" + std::to_string(e.specVersion) + ")";
      std::fprintf(stderr, "silica vulkan: %s: matrix extensions:%s\n", pd.properties.deviceName,
                   names.c_str());
    }
    pd.features.push_descriptor = has_extension(ext, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) &&
                                  !std::getenv("SILICA_VULKAN_NO_PUSH_DESCRIPTORS");
    pd.features.portability_subset = has_extension(ext, "VK_KHR_portability_subset");
    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomic_float{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT};
    const bool has_atomic_float = has_extension(ext, VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);
    if (has_atomic_float) f2.pNext = &atomic_float;
    vkGetPhysicalDeviceFeatures2(h, &f2);
    pd.features.shader_int64 = f2.features.shaderInt64 == VK_TRUE;
    // KHR first: on an H200 the same shader runs 40% faster through it (docs/benchmarks.md).
    std::vector<MatrixShape> khr_list;
    pd.features.coopmat_khr =
        has_extension(ext, khr::kExtension) && coopmat_khr_usable(instance_, h, ext, &khr_list);
    pd.features.coopmat_khr_bf16 = pd.features.coopmat_khr && coopmat_khr_bf16_usable(h, ext, khr_list);
    if (pd.features.coopmat_khr) coopmat2_nv_probe(instance_, h, pd.properties, ext, &pd.features);
    pd.features.coopmat_nv = !pd.features.coopmat_khr &&
                             has_extension(ext, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME) &&
                             coopmat_nv_usable(instance_, h, ext);
    pd.features.pipeline_stats = std::getenv("SILICA_VULKAN_PIPELINE_STATS") != nullptr &&
                                 has_extension(ext, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
    pd.features.float_atomic_add = has_atomic_float && atomic_float.shaderBufferFloat32AtomicAdd == VK_TRUE;

    SilicaDeviceInfo& info = pd.info;
    // deviceName holds up to 256 bytes, Silica's name 128: cut it, always terminated.
    std::strncpy(info.name, pd.properties.deviceName, sizeof info.name - 1);
    info.name[sizeof info.name - 1] = '\0';
    info.kind = kind_of(pd.properties.deviceType);
    // Tensors live in the largest device-local heap.
    uint64_t heap = 0;
    int heap_index = -1;
    for (uint32_t i = 0; i < pd.memory.memoryHeapCount; ++i)
      if ((pd.memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
          pd.memory.memoryHeaps[i].size > heap)
        heap = pd.memory.memoryHeaps[i].size, heap_index = static_cast<int>(i);
    info.memory_bytes = heap;
    bool host_visible = false;
    for (uint32_t i = 0; i < pd.memory.memoryTypeCount; ++i) {
      const auto& t = pd.memory.memoryTypes[i];
      if (static_cast<int>(t.heapIndex) == heap_index &&
          (t.propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
          (t.propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT))
        host_visible = true;
    }
    info.unified_memory =
        (info.kind == SILICA_DEVICE_INTEGRATED_GPU || info.kind == SILICA_DEVICE_CPU) && host_visible;
    info.dtype_mask = device_dtype_mask(pd.features);
    if (std::getenv("SILICA_VULKAN_VERBOSE"))
      std::fprintf(
          stderr,
          "silica vulkan: %s: int64 %d, push descriptors %d, float atomics %d, NV coopmat %d, KHR coopmat %d "
          "(bf16 %d, coopmat2 %u invocations, bf16 %d), shared memory %u bytes\n",
          info.name, pd.features.shader_int64, pd.features.push_descriptor, pd.features.float_atomic_add,
          pd.features.coopmat_nv, pd.features.coopmat_khr, pd.features.coopmat_khr_bf16,
          pd.features.coopmat2_invocations, pd.features.coopmat2_bf16,
          pd.properties.limits.maxComputeSharedMemorySize);
    devices_.push_back(pd);
  }
  std::stable_sort(devices_.begin(), devices_.end(), [](const PhysicalDevice& a, const PhysicalDevice& b) {
    return kind_rank(a.info.kind) < kind_rank(b.info.kind);
  });
}

Instance::~Instance() {
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
}

void Instance::note_validation_message(const char* text) {
  std::lock_guard<std::mutex> lock(message_mu_);
  if (message_.empty()) message_ = text;
  if (std::getenv("SILICA_VULKAN_VERBOSE")) std::fprintf(stderr, "silica vulkan: %s\n", text);
}

std::string Instance::take_validation_message() {
  std::lock_guard<std::mutex> lock(message_mu_);
  std::string m;
  m.swap(message_);
  return m;
}

}  // namespace silica::vk
