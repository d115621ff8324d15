#include "tests/shared_data.h"

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

namespace qk {
namespace test {

std::string SharedDir() {
  const char* env = std::getenv("QK_SHARED_DIR");
  std::string dir = (env != nullptr && *env != '\0') ? env : QK_DEFAULT_SHARED_DIR;
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return "";
  return dir;
}

bool SharedRequired() {
  const char* env = std::getenv("QK_REQUIRE_SHARED");
  return env != nullptr && std::strcmp(env, "1") == 0;
}

}  // namespace test
}  // namespace qk
