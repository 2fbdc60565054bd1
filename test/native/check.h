// A minimal test harness for the native kernels: ctest runs the executable, which exits
// non-zero if any check failed, and prints one summary line.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace keeltest {

struct Case {
  const char* name;
  std::function<void()> fn;
};

std::vector<Case>& registry();
void fail(const char* file, int line, const std::string& what);

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

}  // namespace keeltest

#define KEEL_CAT2(a, b) a##b
#define KEEL_CAT(a, b) KEEL_CAT2(a, b)
#define TEST_CASE(name)                                                          \
  static void KEEL_CAT(test_fn_, __LINE__)();                                    \
  static keeltest::Register KEEL_CAT(test_reg_, __LINE__)(name, KEEL_CAT(test_fn_, __LINE__)); \
  static void KEEL_CAT(test_fn_, __LINE__)()
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) keeltest::fail(__FILE__, __LINE__, #cond);          \
  } while (0)
#define CHECK_MSG(cond, msg)                                         \
  do {                                                               \
    if (!(cond)) keeltest::fail(__FILE__, __LINE__, (msg));          \
  } while (0)
