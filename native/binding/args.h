// Argument checks for the N-API layer. JS (lib/) validates first with the same wording; these
// re-checks exist because the native side never trusts its caller. Messages read
//   "<fn>: expected <what> for <name> but received <value>"
// and are thrown as TypeError (wrong type) or RangeError (right type, bad value).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace keel {
namespace binding {

// Largest matrix dimension or leading dimension accepted: keeps every product of two of them
// far from 64-bit overflow, and matches what one Float32Array can hold.
constexpr double kMaxDim = 2147483647.0;

struct FloatArrayArg {
  float* data;
  std::size_t length;  // in floats
};

// The number in `v`, with one N-API call that both checks the type and reads the value (an
// IsNumber() then DoubleValue() pair is two; at 13 arguments per sgemm call the pairs were a
// third of its fixed cost). False when `v` is not a number.
inline bool numberValue(const Napi::Value& v, double* out) {
  return napi_get_value_double(v.Env(), v, out) == napi_ok;
}

std::string describeValue(const Napi::Value& value);
[[noreturn]] void throwTypeError(Napi::Env env, const char* fn, const char* what, const char* name,
                                 const Napi::Value& value);
[[noreturn]] void throwRangeError(Napi::Env env, const std::string& message);

void requireArgCount(const Napi::CallbackInfo& info, std::size_t count, const char* fn);
// A non-negative integer <= kMaxDim.
std::size_t dimArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
// Any JS number (NaN and infinities included: BLAS scalars may be anything).
float floatArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
// A boolean, or one of 'N', 'T' (either case).
bool transposeArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
FloatArrayArg float32ArrayArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn,
                              const char* name);

}  // namespace binding
}  // namespace keel
