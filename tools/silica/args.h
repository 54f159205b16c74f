// Command-line flags: `--name value` or `--name=value`, and positional arguments.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace silica::cli {

/// A mistake on the command line: printed with the command's usage, exit status 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

struct Flag {
  std::string name;        // without the dashes: "epochs"
  std::string value_name;  // "N"; empty for switches
  std::string help;
};

class Args {
 public:
  /// Parses argv[first..] against `flags`; throws UsageError for unknown flags, missing
  /// values, and positional arguments when `allow_positional` is false.
  Args(int argc, char** argv, int first, const std::vector<Flag>& flags, bool allow_positional);

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  /// The value as a number; throws UsageError naming the flag when it is not one or out of range.
  int64_t get_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  double get_double(const std::string& name, double fallback, double min, double max) const;
  /// The value, which must be one of `choices`.
  std::string get_choice(const std::string& name, const std::string& fallback,
                         const std::vector<std::string>& choices) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

/// "  --epochs N     epochs to train" lines for a usage message.
std::string describe_flags(const std::vector<Flag>& flags);

}  // namespace silica::cli
