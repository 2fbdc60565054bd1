// The shape of one recurrent layer direction over a sequence (lstm.h, gru.h), and where its
// state blocks lie in the (h, (t+1)*b) state buffers both layers share.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel {

struct RnnShape {
  std::size_t t, b, i, h;
  bool reverse = false;
  const int32_t* lengths = nullptr;  // b entries in [1, t], or null
};

// The time of processing step `step`: a reversed direction runs from the last time back.
inline std::size_t rnnTimeOf(const RnnShape& s, std::size_t step) { return s.reverse ? s.t - 1 - step : step; }

// The state block entering time u (0 <= u < t) and the one it produces. Forward: block 0 is
// the initial state and block u+1 the state after time u. Reversed (u runs from t-1 down to 0):
// block t is the initial state and block u the state after time u. Either way the states
// entering times 0..t-1 are t consecutive blocks, rnnPrevBlock(s, 0) onwards.
inline std::size_t rnnPrevBlock(const RnnShape& s, std::size_t u) { return s.reverse ? u + 1 : u; }
inline std::size_t rnnNextBlock(const RnnShape& s, std::size_t u) { return s.reverse ? u : u + 1; }

}  // namespace keel
