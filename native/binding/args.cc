#include "args.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>

namespace keel {
namespace binding {

// Numbers as JS prints them (Number.prototype.toString): the shortest digits that read back
// the same, positional for 1e-7 < |d| < 1e21 and exponential ("1e-7", "1.5e+21") otherwise,
// so native messages match the ones lib/validate.ts writes for the same value.
std::string formatNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  for (int precision = 1; precision <= 17; precision++) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  // buf: [-]d[.ddd]e(+|-)xx
  std::string text(buf);
  const bool negative = text[0] == '-';
  if (negative) text.erase(0, 1);
  const std::size_t e_pos = text.find('e');
  const int exponent = std::atoi(text.c_str() + e_pos + 1);
  std::string digits = text.substr(0, e_pos);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int k = static_cast<int>(digits.size()), point = exponent + 1;
  std::string out;
  if (k <= point && point <= 21) {
    out = digits + std::string(point - k, '0');
  } else if (0 < point && point <= 21) {
    out = digits.substr(0, point) + "." + digits.substr(point);
  } else if (-6 < point && point <= 0) {
    out = "0." + std::string(-point, '0') + digits;
  } else {
    out = digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : std::string()) + "e" +
          (exponent >= 0 ? "+" : "-") + std::to_string(exponent >= 0 ? exponent : -exponent);
  }
  return negative ? "-" + out : out;
}

// "a Float32Array", "a Buffer", "a DataView": the view's constructor name, as lib/ writes it.
std::string describeView(const Napi::Value& value, const char* fallback) {
  try {
    const Napi::Value ctor = value.As<Napi::Object>().Get("constructor");
    if (ctor.IsFunction()) {
      const Napi::Value name = ctor.As<Napi::Object>().Get("name");
      if (name.IsString()) {
        const std::string text = name.As<Napi::String>().Utf8Value();
        if (!text.empty()) {
          const bool vowel = std::strchr("AEIO", text[0]) != nullptr;
          return std::string(vowel ? "an " : "a ") + text;
        }
      }
    }
  } catch (const Napi::Error&) {
    // A throwing getter: fall back to the kind N-API reports.
  }
  return fallback;
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
  if (value.IsTypedArray()) return describeView(value, "a typed array");
  if (value.IsDataView()) return describeView(value, "a DataView");
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
