// silica::Error: the one exception type Silica throws.
#pragma once

#include <stdexcept>
#include <string>

namespace silica {

/// Raised for shape, dtype and device mismatches, bad arguments and device
/// failures. The message starts with the function in brackets, e.g.
/// "[matmul] cannot multiply (2,3) by (4,5): inner sizes 3 and 4 differ".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// Raised when a device runs out of memory; the message says requested / in use / total.
class OutOfMemoryError : public Error {
 public:
  explicit OutOfMemoryError(const std::string& message) : Error(message) {}
};

}  // namespace silica
