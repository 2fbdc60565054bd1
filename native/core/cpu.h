// CPU feature detection and the run-time choice of instruction set. Detection runs once per
// process; the active ISA starts as the best supported one, or KEEL_ISA when that is set.
#pragma once
#include <string>

namespace keel {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
constexpr int kIsaCount = 3;

struct CpuFeatures {
  std::string arch;    // "x64", "arm64", ...
  std::string vendor;  // CPUID vendor string, empty off x86
  std::string brand;   // CPUID brand string, empty off x86
  bool sse2 = false, avx = false, fma = false, avx2 = false, f16c = false;
  bool avx512f = false, avx512dq = false, avx512bw = false, avx512vl = false, avx512cd = false;
  // The OS saves the wider register state (XGETBV): CPUID alone is not enough.
  bool osAvx = false, osAvx512 = false;
};

const CpuFeatures& cpuFeatures();
bool isaSupported(Isa isa);
Isa bestIsa();
const char* isaName(Isa isa);
// Accepts "scalar", "avx2", "avx512" (case-insensitive); returns false for anything else.
bool parseIsa(const std::string& name, Isa* out);

// The ISA kernels dispatch on. Process-wide: every addon instance shares one choice.
Isa activeIsa();
// Fails (returns false) when the CPU or OS cannot run `isa`.
bool setActiveIsa(Isa isa);

// Applies KEEL_ISA once per process. Returns an empty string on success, or a message saying
// why the variable's value was refused (unknown name, or not supported here).
std::string applyIsaFromEnvironment();

}  // namespace keel
