// GEMM shapes on the command line of the native benchmark tools: `n` (square n x n x n) or
// `MxKxN` (C is M x N, the depth is K), every dimension positive, nothing after it.
#pragma once
#include <cstddef>
#include <cstdio>

namespace keel {

struct Shape {
  std::size_t m, k, n;
};

inline bool parseShape(const char* s, Shape* out) {
  std::size_t m = 0, k = 0, n = 0;
  char tail = 0;
  if (std::sscanf(s, "%zux%zux%zu%c", &m, &k, &n, &tail) == 3 && m && k && n) {
    *out = {m, k, n};
    return true;
  }
  if (std::sscanf(s, "%zu%c", &n, &tail) == 1 && n) {
    *out = {n, n, n};
    return true;
  }
  return false;
}

}  // namespace keel
