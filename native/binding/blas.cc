// blas.sgemm and blas.sgemmStridedBatched on caller-owned Float32Arrays, zero-copy.
#include <napi.h>

#include <cstdint>
#include <string>

#include "args.h"
#include "binding.h"
#include "kernels/gemm/gemm.h"

namespace keel {
namespace binding {
namespace {

// Floats a rows x cols matrix with leading dimension ld spans: (rows-1)*ld + cols, or 0 when
// it is empty. Every factor is <= 2^31, so this cannot overflow 64 bits.
uint64_t matrixExtent(std::size_t rows, std::size_t cols, std::size_t ld) {
  if (rows == 0 || cols == 0) return 0;
  return static_cast<uint64_t>(rows - 1) * ld + cols;
}

std::string shapeText(std::size_t rows, std::size_t cols) {
  return "[" + std::to_string(rows) + "," + std::to_string(cols) + "]";
}

struct MatrixCheck {
  const char* name;     // "a"
  const char* ld_name;  // "lda"
  std::size_t rows, cols, ld;
  uint64_t stride;  // floats between batch entries (0 for a single matrix)
  const FloatArrayArg* array;
};

// Checks ld >= cols and that every batch entry lies inside the array; returns the extent.
uint64_t checkMatrix(Napi::Env env, const char* fn, const MatrixCheck& mc, std::size_t batch) {
  const std::size_t min_ld = mc.cols > 0 ? mc.cols : 1;
  if (mc.ld < min_ld) {
    throwRangeError(env, std::string(fn) + ": expected " + mc.ld_name + " >= " +
                             std::to_string(min_ld) + " for " + mc.name + " of shape " +
                             shapeText(mc.rows, mc.cols) + " but received " + std::to_string(mc.ld));
  }
  const uint64_t extent = matrixExtent(mc.rows, mc.cols, mc.ld);
  if (extent == 0 || batch == 0) return 0;
  // (batch-1)*stride: both factors < 2^32 after the dimArg checks, so no overflow.
  const uint64_t needed = static_cast<uint64_t>(batch - 1) * mc.stride + extent;
  if (needed > mc.array->length) {
    throwRangeError(env, std::string(fn) + ": " + mc.name + " of shape " + shapeText(mc.rows, mc.cols) +
                             " with " + mc.ld_name + "=" + std::to_string(mc.ld) +
                             (batch > 1 ? " and batch " + std::to_string(batch) : std::string()) +
                             " needs " + std::to_string(needed) +
                             " elements but the Float32Array has " + std::to_string(mc.array->length));
  }
  return needed;
}

bool overlaps(const float* p, uint64_t p_len, const float* q, uint64_t q_len) {
  if (p_len == 0 || q_len == 0) return false;
  const auto p0 = reinterpret_cast<std::uintptr_t>(p), q0 = reinterpret_cast<std::uintptr_t>(q);
  return p0 < q0 + q_len * sizeof(float) && q0 < p0 + p_len * sizeof(float);
}

// Shared by both entry points: reads and checks every argument into `g`.
// Layout of info: transA, transB, m, n, k, alpha, a, lda, [strideA], b, ldb, [strideB], beta,
// c, ldc, [strideC, batch].
Napi::Value runSgemm(const Napi::CallbackInfo& info, bool batched) {
  const char* fn = batched ? "blas.sgemmStridedBatched" : "blas.sgemm";
  Napi::Env env = info.Env();
  requireArgCount(info, batched ? 17 : 13, fn);
  std::size_t i = 0;
  SgemmArgs g;
  g.trans_a = transposeArg(info, i++, fn, "transA");
  g.trans_b = transposeArg(info, i++, fn, "transB");
  g.m = dimArg(info, i++, fn, "m");
  g.n = dimArg(info, i++, fn, "n");
  g.k = dimArg(info, i++, fn, "k");
  g.alpha = floatArg(info, i++, fn, "alpha");
  const FloatArrayArg a = float32ArrayArg(info, i++, fn, "a");
  g.lda = dimArg(info, i++, fn, "lda");
  const std::size_t stride_a = batched ? dimArg(info, i++, fn, "strideA") : 0;
  const FloatArrayArg b = float32ArrayArg(info, i++, fn, "b");
  g.ldb = dimArg(info, i++, fn, "ldb");
  const std::size_t stride_b = batched ? dimArg(info, i++, fn, "strideB") : 0;
  g.beta = floatArg(info, i++, fn, "beta");
  const FloatArrayArg c = float32ArrayArg(info, i++, fn, "c");
  g.ldc = dimArg(info, i++, fn, "ldc");
  const std::size_t stride_c = batched ? dimArg(info, i++, fn, "strideC") : 0;
  const std::size_t batch = batched ? dimArg(info, i++, fn, "batchCount") : 1;

  // op(A) is m x k: stored m x k, or k x m when transposed. Likewise op(B), k x n.
  // When m, n or k is 0, A and B are not read and may be empty arrays, but their leading
  // dimensions must still be consistent, as in reference BLAS.
  const bool reads_ab = g.m > 0 && g.n > 0 && g.k > 0;
  const MatrixCheck check_a{"a", "lda", g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k, g.lda,
                            stride_a, &a};
  const MatrixCheck check_b{"b", "ldb", g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n, g.ldb,
                            stride_b, &b};
  const MatrixCheck check_c{"c", "ldc", g.m, g.n, g.ldc, stride_c, &c};
  const uint64_t a_len = checkMatrix(env, fn, check_a, reads_ab ? batch : 0);
  const uint64_t b_len = checkMatrix(env, fn, check_b, reads_ab ? batch : 0);
  const uint64_t c_len = checkMatrix(env, fn, check_c, batch);
  if (batched && batch > 1 && matrixExtent(g.m, g.n, g.ldc) > stride_c) {
    throwRangeError(env, std::string(fn) + ": expected strideC >= " +
                             std::to_string(matrixExtent(g.m, g.n, g.ldc)) +
                             " so that the C matrices do not overlap, but received " +
                             std::to_string(stride_c));
  }
  if (overlaps(c.data, c_len, a.data, a_len) || overlaps(c.data, c_len, b.data, b_len)) {
    throwRangeError(env, std::string(fn) + ": c must not share memory with a or b");
  }
  g.a = a.data;
  g.b = b.data;
  g.c = c.data;
  const bool ok = batched ? sgemmStridedBatched(g, stride_a, stride_b, stride_c, batch, SIZE_MAX)
                          : sgemm(g, SIZE_MAX);
  if (!ok) throw Napi::Error::New(env, std::string(fn) + ": out of memory for packing buffers");
  return env.Undefined();
}

}  // namespace

Napi::Value sgemm(const Napi::CallbackInfo& info) { return runSgemm(info, false); }
Napi::Value sgemmStridedBatched(const Napi::CallbackInfo& info) { return runSgemm(info, true); }

}  // namespace binding
}  // namespace keel
