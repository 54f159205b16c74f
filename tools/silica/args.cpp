#include "args.h"

#include <cerrno>
#include <cstdlib>

namespace silica::cli {

Args::Args(int argc, char** argv, int first, const std::vector<Flag>& flags, bool allow_positional) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (!allow_positional) throw UsageError("unexpected argument '" + a + "'");
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Flag* flag = nullptr;
    for (const Flag& f : flags)
      if (f.name == name) flag = &f;
    if (!flag) throw UsageError("unknown flag '--" + name + "'");
    if (flag->value_name.empty()) {
      if (inline_value) throw UsageError("flag '--" + name + "' takes no value");
      value = "1";
    } else if (!inline_value) {
      if (i + 1 >= argc) throw UsageError("flag '--" + name + "' needs a value (" + flag->value_name + ")");
      value = argv[++i];
    }
    values_[name] = value;
  }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int64_t Args::get_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(name)) return fallback;
  const std::string& s = values_.at(name);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < min || v > max)
    throw UsageError("--" + name + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + s + "'");
  return v;
}

double Args::get_double(const std::string& name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  const std::string& s = values_.at(name);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno != 0 || !(v >= min && v <= max))
    throw UsageError("--" + name + " must be a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + s + "'");
  return v;
}

std::string Args::get_choice(const std::string& name, const std::string& fallback,
                             const std::vector<std::string>& choices) const {
  std::string v = get(name, fallback);
  for (const auto& c : choices)
    if (c == v) return v;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  throw UsageError("--" + name + " must be one of " + list + ", got '" + v + "'");
}

std::string describe_flags(const std::vector<Flag>& flags) {
  std::string out;
  for (const Flag& f : flags) {
    std::string left = "  --" + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    if (left.size() < 26) left.resize(26, ' ');
    else left += "  ";
    out += left + f.help + "\n";
  }
  return out;
}

}  // namespace silica::cli
