#include <cstdio>
#include <cstdlib>

#include "check.h"

namespace keeltest {

static int g_failures = 0;
static const char* g_current = "";

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

void fail(const char* file, int line, const std::string& what) {
  g_failures++;
  std::fprintf(stderr, "FAIL %s (%s:%d): %s\n", g_current, file, line, what.c_str());
}

}  // namespace keeltest

int main() {
  int passed = 0, failed = 0;
  for (const auto& c : keeltest::registry()) {
    keeltest::g_current = c.name;
    const int before = keeltest::g_failures;
    c.fn();
    if (keeltest::g_failures == before) {
      passed++;
    } else {
      failed++;
    }
  }
  std::printf("native: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
