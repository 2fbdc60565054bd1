#include "args.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace keel {
namespace binding {

// Numbers as JS prints them: NaN, Infinity, and the shortest text that reads back the same.
std::string formatNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  for (int precision = 1; precision <= 17; precision++) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

std::string describeValue(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsNumber()) return formatNumber(value.As<Napi::Number>().DoubleValue()) + " of type number";
  if (value.IsBoolean()) {
    return std::string(value.As<Napi::Boolean>().Value() ? "true" : "false") + " of type boolean";
  }
  if (value.IsBigInt()) return "a bigint";
  if (value.IsSymbol()) return "a symbol";
  if (value.IsString()) return "'" + value.As<Napi::String>().Utf8Value() + "' of type string";
  if (value.IsTypedArray()) {
    switch (value.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "an Int8Array";
      case napi_uint8_array: return "a Uint8Array";
      case napi_uint8_clamped_array: return "a Uint8ClampedArray";
      case napi_int16_array: return "an Int16Array";
      case napi_uint16_array: return "a Uint16Array";
      case napi_int32_array: return "an Int32Array";
      case napi_uint32_array: return "a Uint32Array";
      case napi_float32_array: return "a Float32Array";
      case napi_float64_array: return "a Float64Array";
      default: return "a typed array";
    }
  }
  if (value.IsArray()) return "an Array";
  if (value.IsArrayBuffer()) return "an ArrayBuffer";
  if (value.IsFunction()) return "a function";
  return "an object";
}

void throwTypeError(Napi::Env env, const char* fn, const char* what, const char* name,
                    const Napi::Value& value) {
  throw Napi::TypeError::New(env, std::string(fn) + ": expected " + what + " for " + name +
                                      " but received " + describeValue(value));
}

void throwRangeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::RangeError::New(env, message);
  throw error;
}

void requireArgCount(const Napi::CallbackInfo& info, std::size_t count, const char* fn) {
  if (info.Length() < count) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected " + std::to_string(count) +
                                               " arguments but received " +
                                               std::to_string(info.Length()));
  }
}

std::size_t dimArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  double d;
  if (!numberValue(v, &d)) throwTypeError(info.Env(), fn, "a non-negative integer", name, v);
  if (!(d >= 0) || d != std::floor(d) || d > kMaxDim) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) +
                                                ": expected a non-negative integer no larger than "
                                                "2147483647 for " + name + " but received " +
                                                describeValue(v));
  }
  return static_cast<std::size_t>(d);
}

float floatArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  double d;
  if (!numberValue(v, &d)) throwTypeError(info.Env(), fn, "a number", name, v);
  return static_cast<float>(d);
}

bool transposeArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name) {
  const Napi::Value v = info[i];
  bool flag;
  if (napi_get_value_bool(info.Env(), v, &flag) == napi_ok) return flag;
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "N" || s == "n") return false;
    if (s == "T" || s == "t") return true;
  }
  throwTypeError(info.Env(), fn, "a boolean or 'N' | 'T'", name, v);
}

FloatArrayArg float32ArrayArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn,
                              const char* name) {
  const Napi::Value v = info[i];
  // One call checks the kind and reads the data pointer and length (napi_invalid_arg when v is
  // not a typed array at all).
  napi_typedarray_type type;
  std::size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array) {
    throwTypeError(info.Env(), fn, "a Float32Array", name, v);
  }
  return FloatArrayArg{static_cast<float*>(data), length};
}

}  // namespace binding
}  // namespace keel
