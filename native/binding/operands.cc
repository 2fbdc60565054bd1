#include "operands.h"

#include <cmath>
#include <string>

#include "args.h"
#include "instance.h"

namespace keel {
namespace binding {

double intArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  double d;
  if (!numberValue(v, &d)) throwTypeError(info.Env(), fn, "an integer", name, v);
  if (!(std::fabs(d) <= kMaxElements) || d != std::floor(d)) {
    throwTypeError(info.Env(), fn, "an integer", name, v);
  }
  return d;
}

std::size_t sizeArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  const double d = intArg(info, i, fn, name);
  if (d < 0) throwRangeError(info.Env(), std::string(fn) + ": expected a non-negative integer for " + name);
  return static_cast<std::size_t>(d);
}

double numArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  double d;
  if (!numberValue(v, &d)) throwTypeError(info.Env(), fn, "a number", name, v);
  return d;
}

Span span(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  Napi::Env env = info.Env();
  const double h = intArg(info, i, fn, name);
  StorageBlock* block = h >= 1 ? instance(env).storage.lookup(static_cast<uint64_t>(h)) : nullptr;
  if (block == nullptr) {
    throw Napi::Error::New(env, std::string(fn) + ": " + name + " has been disposed (its storage was freed)");
  }
  const std::size_t off = sizeArg(info, i + 1, fn, "offset");
  const std::size_t elements = block->bytes() / 4;
  if (off > elements) throwRangeError(env, std::string(fn) + ": offset of " + name + " is past its storage");
  return Span{static_cast<char*>(block->data()) + off * 4, elements - off};
}

Span optionalSpan(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  if (intArg(info, i, fn, name) == 0) return Span{nullptr, 0};
  return span(info, i, fn, name);
}

void requireElements(Napi::Env env, const char* fn, const char* name, const Span& s, double needed) {
  if (needed > static_cast<double>(s.available)) {
    throwRangeError(env, std::string(fn) + ": " + name + " needs " + std::to_string(static_cast<uint64_t>(needed)) +
                             " elements but its storage holds " + std::to_string(s.available));
  }
}

}  // namespace binding
}  // namespace keel
