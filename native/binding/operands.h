// Reading op arguments that name native storage: a handle and an element offset become a
// checked pointer, and every access an op will make is checked against the block's size.
#pragma once
#include <napi.h>

#include <cstddef>

namespace keel {
namespace binding {

constexpr double kMaxElements = 9007199254740991.0;  // 2^53 - 1

// An operand: a live block and an element offset into it (4-byte elements).
struct Span {
  char* data;             // at the offset
  std::size_t available;  // elements from the offset to the end of the block
};

double intArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
std::size_t sizeArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
double numArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
// Handle at i, offset at i + 1; throws if the handle is not live or the offset past the end.
Span span(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
// Like span(), but handle 0 means "none" (data == nullptr).
Span optionalSpan(const Napi::CallbackInfo& info, std::size_t i, const char* fn, const char* name);
void requireElements(Napi::Env env, const char* fn, const char* name, const Span& s, double needed);

template <typename T>
T* as(const Span& s) { return reinterpret_cast<T*>(s.data); }

}  // namespace binding
}  // namespace keel
