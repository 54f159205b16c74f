// Internal: a small strict JSON (RFC 8259) reader and string quoting, enough for
// safetensors headers. Objects keep their members in file order, duplicates included,
// so callers can reject duplicate keys with a message of their own.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace silica::io::json {

/// A syntax error; what() says where ("at byte 17: expected ':' after an object key").
class ParseError : public std::runtime_error {
 public:
  explicit ParseError(const std::string& message) : std::runtime_error(message) {}
};

struct Member;

/// One JSON value. Numbers keep their literal text so that 64-bit integers are exact.
struct Value {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::string text;             // a string's decoded UTF-8, or a number's literal
  std::vector<Value> items;     // array elements
  std::vector<Member> members;  // object members in file order

  bool is_object() const { return kind == Kind::object; }
  bool is_array() const { return kind == Kind::array; }
  bool is_string() const { return kind == Kind::string; }
  bool is_number() const { return kind == Kind::number; }
};

struct Member {
  std::string key;
  Value value;
};

/// Parses exactly one value; whitespace may surround it, nothing else may follow.
/// The text must be valid UTF-8. Nesting deeper than `max_depth` is refused (so hostile
/// input cannot exhaust the stack).
Value parse(std::string_view text, int max_depth = 64);

/// The value of a number literal that is a plain non-negative integer ("0", "42"; not
/// "-1", "1.0", "1e3") fitting in 64 bits; false otherwise.
bool to_uint64(const Value& number, uint64_t* out);

/// `s` as a JSON string literal, quotes included (control characters escaped).
std::string quote(std::string_view s);

/// True when `s` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// "kind" names for messages: "an object", "a string", ...
const char* kind_name(Value::Kind kind);

}  // namespace silica::io::json
