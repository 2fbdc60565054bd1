#include "cpu.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__x86_64__) || defined(_M_X64)
#define KEEL_X86 1
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace keel {
namespace {

#ifdef KEEL_X86
void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(_MSC_VER)
  int r[4];
  __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
  for (int i = 0; i < 4; i++) regs[i] = static_cast<uint32_t>(r[i]);
#else
  __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

uint64_t xgetbv0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(KEEL_X86)
  f.arch = "x64";
  uint32_t r[4];
  cpuid(0, 0, r);
  const uint32_t max_leaf = r[0];
  char vendor[13] = {0};
  std::memcpy(vendor, &r[1], 4);
  std::memcpy(vendor + 4, &r[3], 4);
  std::memcpy(vendor + 8, &r[2], 4);
  f.vendor = vendor;

  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    char brand[49] = {0};
    for (uint32_t i = 0; i < 3; i++) {
      cpuid(0x80000002u + i, 0, r);
      std::memcpy(brand + 16 * i, r, 16);
    }
    std::string b = brand;
    const auto first = b.find_first_not_of(' ');
    const auto last = b.find_last_not_of(' ');
    f.brand = first == std::string::npos ? "" : b.substr(first, last - first + 1);
  }

  if (max_leaf >= 1) {
    cpuid(1, 0, r);
    f.sse2 = (r[3] >> 26) & 1;
    f.fma = (r[2] >> 12) & 1;
    const bool osxsave = (r[2] >> 27) & 1;
    f.avx = (r[2] >> 28) & 1;
    f.f16c = (r[2] >> 29) & 1;
    if (osxsave) {
      const uint64_t xcr0 = xgetbv0();
      f.osAvx = (xcr0 & 0x6) == 0x6;             // XMM and YMM state
      f.osAvx512 = f.osAvx && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
    }
  }
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    f.avx2 = (r[1] >> 5) & 1;
    f.avx512f = (r[1] >> 16) & 1;
    f.avx512dq = (r[1] >> 17) & 1;
    f.avx512cd = (r[1] >> 28) & 1;
    f.avx512bw = (r[1] >> 30) & 1;
    f.avx512vl = (r[1] >> 31) & 1;
  }
#elif defined(__aarch64__) || defined(_M_ARM64)
  f.arch = "arm64";
#else
  f.arch = "other";
#endif
  return f;
}

// Which ISAs this build carries kernels for; the x86 ones exist only in x64 builds.
bool compiledIn(Isa isa) {
#ifdef KEEL_X86
  (void)isa;
  return true;
#else
  return isa == Isa::kScalar;
#endif
}

std::atomic<int>& activeSlot() {
  static std::atomic<int> slot{static_cast<int>(bestIsa())};
  return slot;
}

}  // namespace

const CpuFeatures& cpuFeatures() {
  static const CpuFeatures features = detect();
  return features;
}

bool isaSupported(Isa isa) {
  if (!compiledIn(isa)) return false;
  const CpuFeatures& f = cpuFeatures();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return f.avx && f.avx2 && f.fma && f.osAvx;
    case Isa::kAvx512:
      return f.avx512f && f.avx512dq && f.avx512bw && f.avx512vl && f.osAvx512 && f.fma;
  }
  return false;
}

Isa bestIsa() {
  if (isaSupported(Isa::kAvx512)) return Isa::kAvx512;
  if (isaSupported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool parseIsa(const std::string& name, Isa* out) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (int i = 0; i < kIsaCount; i++) {
    if (lower == isaName(static_cast<Isa>(i))) {
      *out = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

Isa activeIsa() { return static_cast<Isa>(activeSlot().load(std::memory_order_relaxed)); }

bool setActiveIsa(Isa isa) {
  if (!isaSupported(isa)) return false;
  activeSlot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

std::string applyIsaFromEnvironment() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] {
    const char* value = std::getenv("KEEL_ISA");
    if (value == nullptr || value[0] == '\0') return;
    Isa isa;
    if (!parseIsa(value, &isa)) {
      error = std::string("KEEL_ISA: expected one of scalar, avx2, avx512 but received '") + value +
              "'";
      return;
    }
    if (!setActiveIsa(isa)) {
      error = std::string("KEEL_ISA: '") + value + "' is not supported by this CPU or build (best is '" +
              isaName(bestIsa()) + "')";
    }
  });
  return error;
}

}  // namespace keel
