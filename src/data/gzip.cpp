// gzip decompression with zlib's inflate, member after member.
#include "data/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "silica/error.h"

namespace silica::data::detail {

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

namespace {
/// Ends the inflate stream on every path out.
struct InflateGuard {
  z_stream* zs;
  ~InflateGuard() { inflateEnd(zs); }
};
}  // namespace

std::string gunzip(std::string_view bytes, const std::string& source, const char* function,
                   size_t max_output) {
  auto fail = [&](const std::string& what) {
    throw Error(std::string("[") + function + "] " + source + ": " + what);
  };
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip wrapper (header and CRC-32 trailer), not raw zlib.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail("zlib could not start decompressing");
  InflateGuard guard{&zs};

  std::string out;
  char chunk[1 << 16];
  size_t consumed = 0;  // input bytes handed to zlib so far
  for (;;) {
    if (zs.avail_in == 0 && consumed < bytes.size()) {
      // zlib counts in uInt; feed huge inputs in pieces.
      size_t piece = std::min<size_t>(bytes.size() - consumed, UINT_MAX);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
      zs.avail_in = static_cast<uInt>(piece);
      consumed += piece;
    }
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = sizeof chunk - zs.avail_out;
    if (produced > max_output - out.size())
      fail("decompresses to more than " + std::to_string(max_output) + " bytes");
    out.append(chunk, produced);

    if (rc == Z_STREAM_END) {
      size_t remaining = zs.avail_in + (bytes.size() - consumed);
      if (remaining == 0) return out;
      // Another gzip member may follow (what `cat a.gz b.gz` makes); anything else is junk.
      std::string_view rest = bytes.substr(bytes.size() - remaining);
      if (!is_gzip(rest))
        fail(std::to_string(remaining) + " trailing bytes after the gzip data");
      if (inflateReset(&zs) != Z_OK) fail("zlib could not restart for the next gzip member");
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && consumed == bytes.size() && produced == 0)
      fail("the gzip data is truncated (the compressed stream ends early)");
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      fail(std::string("the gzip data is corrupt: ") + (zs.msg ? zs.msg : "inflate failed"));
  }
}

}  // namespace silica::data::detail
