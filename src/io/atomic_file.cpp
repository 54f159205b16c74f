// write-to-temporary, fsync, rename: the POSIX recipe for replacing a file atomically.
#include "silica/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "silica/error.h"

namespace silica::io {

namespace {

std::string system_reason() { return std::strerror(errno); }

std::string parent_directory(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

/// Closes a descriptor on scope exit unless released.
struct FdGuard {
  int fd = -1;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const std::string& what, bool remove_tmp) {
    std::string reason = system_reason();
    if (remove_tmp) ::unlink(tmp.c_str());
    throw Error("[write_file_atomically] cannot write '" + path + "': " + what + ": " + reason +
                " (the previous file, if any, is unchanged)");
  };

  FdGuard guard;
  guard.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (guard.fd < 0) fail("opening the temporary file '" + tmp + "' failed", false);

  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(guard.fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("writing '" + tmp + "' failed after " + std::to_string(written) + " of " +
               std::to_string(bytes.size()) + " bytes",
           true);
    }
    written += static_cast<size_t>(n);
  }
  // The data must be on disk before the rename makes it visible under the real name.
  if (::fsync(guard.fd) != 0) fail("fsync of '" + tmp + "' failed", true);
  int fd = guard.fd;
  guard.fd = -1;
  if (::close(fd) != 0) fail("closing '" + tmp + "' failed", true);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming '" + tmp + "' over it failed", true);

  // Make the rename itself durable. Best effort: the new file is already in place, and
  // some file systems refuse fsync on directories.
  int dir = ::open(parent_directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
}

std::string read_file(const std::string& path, const char* function) {
  auto fail = [&](const std::string& what) {
    throw Error(std::string("[") + function + "] cannot read '" + path + "': " + what + ": " +
                system_reason());
  };
  FdGuard guard;
  guard.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (guard.fd < 0) fail("open failed");
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0) fail("stat failed");
  if (S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    fail("it is a directory");
  }
  std::string out;
  if (st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(guard.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read failed after " + std::to_string(out.size()) + " bytes");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace silica::io
