// The GEMM loops, BLIS style, written for row-major C where the micro-kernel loads rows of B as
// vectors and broadcasts elements of A (the mirror image of BLIS's column-major kernels):
//
//   for ic in M step MC:      pack A block (MC x KC)        -> L3
//     for pc in K step KC:
//       for jc in N step NC:  pack B block (KC x NC)        -> L2
//         for ir in MC step MR:   A micro-panel (MR x KC)    -> L1
//           for jr in NC step NR: micro-kernel on one MR x NR tile of C
//
// Threads each take a rectangle of the tile grid (multiples of MR rows and NR columns from the
// origin) and run these loops on it with their own packing buffers; large products instead share
// each packed A block between threads (gemmSharedA). K is never split and the tile grid does not
// depend on the thread count, so the result is bit-identical whatever it is.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <thread>

#include "../../core/aligned_alloc.h"
#include "../../core/cpu.h"
#include "../../core/thread_pool.h"
#include "pack.h"
#include "ukernel.h"

namespace keel {
namespace {

std::size_t ceilDiv(std::size_t a, std::size_t b) { return (a + b - 1) / b; }
std::size_t roundUp(std::size_t a, std::size_t b) { return ceilDiv(a, b) * b; }

// Below this many multiply-adds per thread, a second thread's hand-off (about a microsecond
// with the worker spinning) and its duplicated packing cost more than it saves. Measured on
// Zen 5 with AVX-512, 2 threads, workers spinning: n = 64 (262K MACs) is 1.4 us slower on two
// threads, n = 72..96 gain only 5-10% (and lose badly when another process holds the second
// core), n = 112 (1.4M) gains 25%. So a second thread starts at about 900K MACs (n ~ 97),
// where the old 96^3-per-thread rule waited until 1.77M (n ~ 121).
constexpr double kMinMacsPerThread = 450000.0;
// The same threshold for one product of a batch, per thread, before the batch stops being
// spread over threads one product each.
constexpr double kMinMacsPerBatchedProduct = 96.0 * 96.0 * 96.0;
// Rectangles per thread of a parallel product (see sgemm), each of at least this many
// multiply-adds so that the panels a rectangle packs stay small beside its arithmetic.
constexpr std::size_t kRectanglesPerThread = 4;
constexpr double kMinMacsPerRectangle = 450000.0;
// Multiplication items per thread of a product that shares its packed A (gemmSharedA):
// n = 1000-2048 on two threads, 8 against 4 (one B block per item at n = 2048) gained 2-4%.
constexpr std::size_t kSharedAItemsPerThread = 8;

ScratchBuffer& threadScratch() {
  thread_local ScratchBuffer scratch;
  return scratch;
}

// Packed panels start on cache lines: the micro-kernels use aligned vector loads.
constexpr std::size_t kLineFloats = 16;

struct ScratchLayout {
  std::size_t a_floats, b_floats, total;
};

// Scratch for one thread's rectangle of m x n: packed A block, packed B block and an
// edge tile, each rounded up to whole cache lines.
ScratchLayout scratchLayout(const GemmKernel& kern, const GemmBlocking& blk, std::size_t m,
                            std::size_t n) {
  const std::size_t kc = blk.kc;
  const std::size_t mc = std::min(kern.mc, roundUp(m, kern.mr));
  const std::size_t nc = std::min(blk.nc, roundUp(n, kern.nr));
  ScratchLayout s;
  s.a_floats = roundUp(roundUp(mc, kern.mr) * kc, kLineFloats);
  s.b_floats = roundUp(roundUp(nc, kern.nr) * kc, kLineFloats);
  s.total = s.a_floats + s.b_floats + roundUp(kern.mr * kern.nr, kLineFloats);
  return s;
}

// C = beta * C over an m x n block, for k == 0 or alpha == 0 (A and B are not read).
void scaleC(float* c, std::size_t ldc, std::size_t m, std::size_t n, float beta) {
  for (std::size_t i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      std::memset(row, 0, n * sizeof(float));
    } else if (beta != 1.0f) {
      for (std::size_t j = 0; j < n; j++) row[j] *= beta;
    }
  }
}

// C rows [ic, ic + mc) x columns [jc, jc + nc) += the packed A block (mc rows) times the packed
// B block (nc columns), kc deep; beta is this depth block's. `tile` holds one MR x NR tile.
void multiplyPackedBlock(const GemmKernel& kern, const SgemmArgs& g, const float* a_block,
                         const float* b_pack, std::size_t kc, std::size_t ic, std::size_t mc,
                         std::size_t jc, std::size_t nc, float beta, float* tile) {
  const std::size_t MR = kern.mr, NR = kern.nr;
  for (std::size_t ir = 0; ir < mc; ir += MR) {
    const std::size_t mr = std::min(MR, mc - ir);
    const float* a_panel = a_block + ir * kc;
    if (mr < MR && kern.strided != nullptr) {
      kern.strided(mr, nc, kc, a_panel, 1, MR, b_pack, NR, NR * kc, g.c + (ic + ir) * g.ldc + jc,
                   g.ldc, g.alpha, beta, nullptr);
      continue;
    }
    for (std::size_t jr = 0; jr < nc; jr += NR) {
      const std::size_t nr = std::min(NR, nc - jr);
      const float* b_panel = b_pack + jr * kc;
      float* c = g.c + (ic + ir) * g.ldc + (jc + jr);
      if (mr == MR && nr == NR) {
        kern.fn(kc, a_panel, b_panel, c, g.ldc, g.alpha, beta);
        continue;
      }
      if (kern.strided != nullptr) {
        kern.strided(mr, nr, kc, a_panel, 1, MR, b_panel, NR, NR * kc, c, g.ldc, g.alpha, beta,
                     nullptr);
        continue;
      }
      // Edge tile: run the same kernel on a full-size copy so the arithmetic (and so every
      // bit of the result) is what a full tile would get.
      if (beta != 0.0f) {
        for (std::size_t i = 0; i < mr; i++) {
          std::memcpy(tile + i * NR, c + i * g.ldc, nr * sizeof(float));
        }
      }
      kern.fn(kc, a_panel, b_panel, tile, NR, g.alpha, beta);
      for (std::size_t i = 0; i < mr; i++) {
        std::memcpy(c + i * g.ldc, tile + i * NR, nr * sizeof(float));
      }
    }
  }
}

// Rows [m0, m1) x columns [n0, n1) of C, with m0 and n0 on the tile grid, blocked as `blk`
// (gemmBlocking of the whole product). With `packed_a` (all of op(A) in packAForGemm's layout),
// A's blocks are read from it instead of packed here.
void gemmRectangle(const GemmKernel& kern, const GemmBlocking& blk, const SgemmArgs& g,
                   std::size_t m0, std::size_t m1, std::size_t n0, std::size_t n1, float* scratch,
                   const float* packed_a) {
  const std::size_t MR = kern.mr, NR = kern.nr;
  const ScratchLayout layout = scratchLayout(kern, blk, m1 - m0, n1 - n0);
  float* a_pack = scratch;
  float* b_pack = a_pack + layout.a_floats;
  float* tile = b_pack + layout.b_floats;
  // A prepacked row block must start on a panel boundary. Each C element's arithmetic (one FMA
  // chain per depth block, then alpha and beta) does not depend on where the blocks start, so
  // rounding mc down changes no bits.
  const std::size_t mc_step = packed_a != nullptr ? std::max(MR, kern.mc / MR * MR) : kern.mc;

  for (std::size_t ic = m0; ic < m1; ic += mc_step) {
    const std::size_t mc = std::min(mc_step, m1 - ic);
    for (std::size_t pc = 0; pc < g.k; pc += blk.kc) {
      const std::size_t kc = std::min(blk.kc, g.k - pc);
      // The first depth block applies the caller's beta; later ones accumulate.
      const float beta = pc == 0 ? g.beta : 1.0f;
      const float* a_block = a_pack;
      if (packed_a != nullptr) {
        a_block = packed_a + roundUp(g.m, MR) * pc + ic * kc;
      } else {
        (kern.pack_a ? kern.pack_a : packA)(a_pack, g.a, g.lda, g.trans_a, ic, mc, pc, kc, MR);
      }
      for (std::size_t jc = n0; jc < n1; jc += blk.nc) {
        const std::size_t nc = std::min(blk.nc, n1 - jc);
        (kern.pack_b ? kern.pack_b : packB)(b_pack, g.b, g.ldb, g.trans_b, pc, kc, jc, nc, NR);
        multiplyPackedBlock(kern, g, a_block, b_pack, kc, ic, mc, jc, nc, beta, tile);
      }
    }
  }
}

// The small-product path: A is read in place (its rows, or columns when transposed, are the
// strided kernel's operand), and so is B unless it is transposed, when one kc x nc block of it
// at a time is packed. The tile grid, the depth blocking and each tile's arithmetic are those of
// gemmRectangle, so the bits are too; what goes is the packing, which for these sizes costs a
// large share of the arithmetic.
bool supPacksB(const SgemmArgs& g) { return g.trans_b; }

std::size_t supScratchFloats(const GemmKernel& kern, const GemmBlocking& blk, const SgemmArgs& g,
                             std::size_t n) {
  if (!supPacksB(g)) return 0;
  return roundUp(std::min(blk.nc, roundUp(n, kern.nr)), kern.nr) * blk.kc;
}

void gemmRectangleSup(const GemmKernel& kern, const GemmBlocking& blk, const SgemmArgs& g,
                      std::size_t m0, std::size_t m1, std::size_t n0, std::size_t n1,
                      float* scratch) {
  const std::size_t MR = kern.mr, NR = kern.nr;
  const bool pack_b = supPacksB(g);
  for (std::size_t jc = n0; jc < n1; jc += blk.nc) {
    const std::size_t nc = std::min(blk.nc, n1 - jc);
    for (std::size_t pc = 0; pc < g.k; pc += blk.kc) {
      const std::size_t kc = std::min(blk.kc, g.k - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;
      const float* b_block;
      std::size_t b_rs, b_tile_step;
      if (pack_b) {
        (kern.pack_b ? kern.pack_b : packB)(scratch, g.b, g.ldb, g.trans_b, pc, kc, jc, nc, NR);
        b_block = scratch;
        b_rs = NR;
        b_tile_step = NR * kc;
      } else {
        b_block = g.b + pc * g.ldb + jc;
        b_rs = g.ldb;
        b_tile_step = NR;
      }
      for (std::size_t ir = m0; ir < m1; ir += MR) {
        const std::size_t mr = std::min(MR, m1 - ir);
        const float* a = g.trans_a ? g.a + pc * g.lda + ir : g.a + ir * g.lda + pc;
        const std::size_t a_rs = g.trans_a ? 1 : g.lda, a_cs = g.trans_a ? g.lda : 1;
        // The panel's last tile fetches the next row panel of a row-major A ahead.
        const float* next_a = !g.trans_a && ir + MR < m1 ? a + MR * g.lda : nullptr;
        kern.strided(mr, nc, kc, a, a_rs, a_cs, b_block, b_rs, b_tile_step,
                     g.c + ir * g.ldc + jc, g.ldc, g.alpha, beta, next_a);
      }
    }
  }
}

// How the tile grid is cut among threads: tm bands of rows times tn bands of columns.
struct Grid {
  std::size_t tm = 1, tn = 1;
};

Grid chooseGrid(const GemmKernel& kern, std::size_t m, std::size_t n, std::size_t k,
                std::size_t threads) {
  const std::size_t m_tiles = ceilDiv(m, kern.mr), n_tiles = ceilDiv(n, kern.nr);
  Grid best;
  double best_cost = -1;
  for (std::size_t tm = 1; tm <= threads; tm++) {
    const std::size_t tn = threads / tm;
    if (tm > m_tiles || tn > n_tiles) continue;
    // Per-thread cost: its share of the multiply-adds (padded to whole tiles) plus the panels
    // it packs, weighted as a copy costs relative to an FMA lane.
    const double rows = static_cast<double>(ceilDiv(m_tiles, tm) * kern.mr);
    const double cols = static_cast<double>(ceilDiv(n_tiles, tn) * kern.nr);
    const double cost = rows * cols * k + 8.0 * (rows + cols) * k;
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best.tm = tm;
      best.tn = tn;
    }
  }
  return best;
}

// A function of the shape alone, never of the thread count.
bool useSup(const GemmKernel& kern, const SgemmArgs& g, double macs) {
  if (kern.strided == nullptr) return false;
  const bool few_columns = g.n <= kern.sup_max_n;
  // Rows (or depth steps, transposed) of A a multiple of 4 KiB apart all map to the same L1
  // sets: the in-place A panel then evicts itself before the B block has been swept past it
  // (128x1024x1024: 10% slower than packed). With few columns there is little to sweep.
  if (g.lda % 1024 == 0 && !few_columns) return false;
  return few_columns || (macs <= kern.sup_max_macs && g.n <= kern.sup_macs_max_n);
}

// Rows [m0, m1) x columns [n0, n1) on the path the shape chose, with this thread's scratch.
bool runRectangle(const GemmKernel& kern, const SgemmArgs& g, bool sup, std::size_t m0,
                  std::size_t m1, std::size_t n0, std::size_t n1, const float* packed_a = nullptr) {
  const GemmBlocking blk = gemmBlocking(kern, g.m, g.k);
  if (sup && packed_a == nullptr) {
    const std::size_t floats = supScratchFloats(kern, blk, g, n1 - n0);
    float* scratch = nullptr;
    if (floats != 0) {
      scratch = threadScratch().reserve(floats);
      if (scratch == nullptr) return false;
    }
    gemmRectangleSup(kern, blk, g, m0, m1, n0, n1, scratch);
    return true;
  }
  float* scratch = threadScratch().reserve(scratchLayout(kern, blk, m1 - m0, n1 - n0).total);
  if (scratch == nullptr) return false;
  gemmRectangle(kern, blk, g, m0, m1, n0, n1, scratch, packed_a);
  return true;
}

// Large products on several threads share each packed block of A, as BLIS and OpenBLAS do,
// instead of every rectangle packing its own copy (at n = 2048 on two threads the rectangles
// pack A four times and B twice, about a tenth of the time). A block of up to mc rows and one
// depth block is packed once, by all threads together, into one of two shared buffers; the
// work on it is split into items of nc columns by a band of rows, each packing its own B block
// (its L2-resident operand).
//
// The items form one list that threads claim in order: the packing of depth block 0, then for
// each depth block t the multiplications of block t followed by the packing of block t + 1 into
// the other buffer. An item waits only for what it needs, all of it earlier in the list: a
// multiplication for its A block to be packed and for the same C item's previous depth block
// (so every C element gets the depth blocks in order, with a tile's arithmetic as in
// gemmRectangle, and the bits do not depend on the thread count); a packing for the
// multiplications that last read its buffer. So instead of a barrier at the end of each depth
// block, the only wait is one block behind: the other threads run on through the rest of a
// block and the packing of the next while one thread finishes a slow item.
struct SharedAPlan {
  std::size_t ic, rows, panels;   // the row block
  std::size_t kcb, depth_blocks;  // depth blocking
  std::size_t ncb;                // column block
  std::size_t col_blocks, bands;  // multiplication items per depth block: col_blocks x bands
  std::size_t pack_parts;         // packing items per depth block
  std::size_t a_floats, b_floats;
};

// With fewer than two column blocks the rectangles are row bands, which pack A once anyway,
// and the shared path only adds its waits (n = 128-300: 3-15% slower on two threads).
bool useSharedA(const GemmKernel& kern, const SgemmArgs& g, double macs, std::size_t threads) {
  return threads > 1 && kern.shared_a_min_macs > 0 && macs >= kern.shared_a_min_macs &&
         g.n >= 2 * gemmBlocking(kern, g.m, g.k).nc;
}

ScratchBuffer& sharedAScratch() {
  thread_local ScratchBuffer scratch;  // the calling thread's; every thread packs into it
  return scratch;
}

// Spins briefly, then yields: the item waited for may belong to a thread that shares this
// thread's core.
template <typename Ready>
bool waitFor(const std::atomic<bool>& ok, Ready ready) {
  for (int spin = 0; !ready();) {
    if (!ok.load(std::memory_order_relaxed)) return false;
    if (spin < 256) {
      spin++;
    } else {
      std::this_thread::yield();
    }
  }
  return true;
}

bool gemmSharedABlock(const GemmKernel& kern, const SgemmArgs& g, const SharedAPlan& plan,
                      float* a_buffers, std::size_t threads) {
  const std::size_t MR = kern.mr, NR = kern.nr;
  const std::size_t items_per_block = plan.col_blocks * plan.bands;
  // Block 0's packing, then per depth block its multiplications and the next block's packing
  // (none after the last block).
  const std::size_t stride = items_per_block + plan.pack_parts;
  const std::size_t total = plan.depth_blocks * stride;
  // packed[t]: packing items of block t done; multiplied[t]: multiplication items done;
  // progress[q]: depth blocks done for C item q.
  std::unique_ptr<std::atomic<std::size_t>[]> counters(
      new (std::nothrow) std::atomic<std::size_t>[2 * plan.depth_blocks + items_per_block]);
  if (counters == nullptr) return false;
  for (std::size_t i = 0; i < 2 * plan.depth_blocks + items_per_block; i++) counters[i] = 0;
  std::atomic<std::size_t>* packed = counters.get();
  std::atomic<std::size_t>* multiplied = packed + plan.depth_blocks;
  std::atomic<std::size_t>* progress = multiplied + plan.depth_blocks;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> ok{true};

  auto pack = [&](std::size_t t, std::size_t part) {
    // Buffer t % 2 was last read by block t - 2's multiplications.
    auto buffer_free = [&] {
      return multiplied[t - 2].load(std::memory_order_acquire) == items_per_block;
    };
    if (t >= 2 && !waitFor(ok, buffer_free)) return;
    const std::size_t p0 = part * plan.panels / plan.pack_parts;
    const std::size_t p1 = (part + 1) * plan.panels / plan.pack_parts;
    const std::size_t pc = t * plan.kcb, kc = std::min(plan.kcb, g.k - pc);
    const std::size_t r0 = p0 * MR, r1 = std::min(plan.rows, p1 * MR);
    if (r0 < r1) {
      float* dst = a_buffers + (t % 2) * plan.a_floats + r0 * kc;
      (kern.pack_a ? kern.pack_a : packA)(dst, g.a, g.lda, g.trans_a, plan.ic + r0, r1 - r0, pc, kc, MR);
    }
    packed[t].fetch_add(1, std::memory_order_release);
  };
  auto multiply = [&](std::size_t t, std::size_t q) {
    if (!waitFor(ok, [&] {
          return packed[t].load(std::memory_order_acquire) == plan.pack_parts &&
                 progress[q].load(std::memory_order_acquire) == t;
        })) {
      return;
    }
    const std::size_t block = q / plan.bands, band = q % plan.bands;
    const std::size_t pc = t * plan.kcb, kc = std::min(plan.kcb, g.k - pc);
    const std::size_t jc = block * plan.ncb, nc = std::min(plan.ncb, g.n - jc);
    const std::size_t p0 = band * plan.panels / plan.bands, p1 = (band + 1) * plan.panels / plan.bands;
    const std::size_t r0 = p0 * MR, r1 = std::min(plan.rows, p1 * MR);
    if (r0 < r1) {
      float* b_pack = threadScratch().reserve(plan.b_floats + roundUp(MR * NR, kLineFloats));
      if (b_pack == nullptr) {
        ok.store(false);
        return;
      }
      (kern.pack_b ? kern.pack_b : packB)(b_pack, g.b, g.ldb, g.trans_b, pc, kc, jc, nc, NR);
      const float* a_block = a_buffers + (t % 2) * plan.a_floats + r0 * kc;
      multiplyPackedBlock(kern, g, a_block, b_pack, kc, plan.ic + r0, r1 - r0, jc, nc,
                          pc == 0 ? g.beta : 1.0f, b_pack + plan.b_floats);
    }
    progress[q].store(t + 1, std::memory_order_release);
    multiplied[t].fetch_add(1, std::memory_order_release);
  };

  parallelFor(threads, threads, [&](std::size_t) {
    for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < total;) {
      if (!ok.load(std::memory_order_relaxed)) return;
      if (i < plan.pack_parts) {
        pack(0, i);
        continue;
      }
      const std::size_t t = (i - plan.pack_parts) / stride, j = (i - plan.pack_parts) % stride;
      if (j < items_per_block) {
        multiply(t, j);
      } else {
        pack(t + 1, j - items_per_block);
      }
    }
  });
  return ok.load();
}

bool gemmSharedA(const GemmKernel& kern, const SgemmArgs& g, std::size_t threads) {
  const std::size_t MR = kern.mr, NR = kern.nr;
  SharedAPlan plan;
  const GemmBlocking blk = gemmBlocking(kern, g.m, g.k);
  plan.kcb = blk.kc;
  plan.ncb = blk.nc;
  plan.depth_blocks = ceilDiv(g.k, plan.kcb);
  const std::size_t mc = std::min(std::max(MR, kern.mc / MR * MR), roundUp(g.m, MR));
  plan.a_floats = roundUp(mc * plan.kcb, kLineFloats);
  plan.b_floats = roundUp(roundUp(std::min(plan.ncb, roundUp(g.n, NR)), NR) * plan.kcb, kLineFloats);
  plan.col_blocks = ceilDiv(g.n, plan.ncb);
  float* a_buffers = sharedAScratch().reserve(2 * plan.a_floats);
  if (a_buffers == nullptr) return false;
  for (plan.ic = 0; plan.ic < g.m; plan.ic += mc) {
    plan.rows = std::min(mc, g.m - plan.ic);
    plan.panels = ceilDiv(plan.rows, MR);
    plan.bands = std::min(plan.panels, ceilDiv(kSharedAItemsPerThread * threads, plan.col_blocks));
    plan.pack_parts = std::min(plan.panels, 2 * threads);
    if (!gemmSharedABlock(kern, g, plan, a_buffers, threads)) return false;
  }
  return true;
}

// The product on up to max_threads threads, cut into rectangles of the tile grid.
bool runProduct(const GemmKernel& kern, const SgemmArgs& g, bool sup, const float* packed_a,
                std::size_t max_threads) {
  const double macs = static_cast<double>(g.m) * g.n * g.k;
  std::size_t threads = std::min(max_threads, numThreads());
  threads = std::min(threads, static_cast<std::size_t>(std::max(1.0, macs / kMinMacsPerThread)));
  if (threads <= 1) return runRectangle(kern, g, sup, 0, g.m, 0, g.n, packed_a);
  if (!sup && packed_a == nullptr && useSharedA(kern, g, macs, threads)) return gemmSharedA(kern, g, threads);

  // More rectangles than threads, claimed as threads come free: a worker that starts late or
  // is descheduled (another process on its core) then leaves its share to the others instead
  // of the whole step waiting for its one half. Each C element is still one rectangle's full
  // k loop, so the bits do not depend on the cut.
  const std::size_t tasks = std::min(threads * kRectanglesPerThread,
                                     std::max<std::size_t>(threads, static_cast<std::size_t>(macs / kMinMacsPerRectangle)));
  const Grid grid = chooseGrid(kern, g.m, g.n, g.k, tasks);
  const std::size_t m_tiles = ceilDiv(g.m, kern.mr), n_tiles = ceilDiv(g.n, kern.nr);
  std::atomic<bool> ok{true};
  parallelFor(grid.tm * grid.tn, threads, [&](std::size_t t) {
    const std::size_t bi = t / grid.tn, bj = t % grid.tn;
    // Balanced split of whole tiles: band b gets tiles [b*T/parts, (b+1)*T/parts).
    const std::size_t m0 = std::min(g.m, bi * m_tiles / grid.tm * kern.mr);
    const std::size_t m1 = std::min(g.m, (bi + 1) * m_tiles / grid.tm * kern.mr);
    const std::size_t n0 = std::min(g.n, bj * n_tiles / grid.tn * kern.nr);
    const std::size_t n1 = std::min(g.n, (bj + 1) * n_tiles / grid.tn * kern.nr);
    if (m0 >= m1 || n0 >= n1) return;
    if (!runRectangle(kern, g, sup, m0, m1, n0, n1, packed_a)) ok.store(false);
  });
  return ok.load();
}

// The argument block of C = op(A) op(B) + beta C (alpha 1).
SgemmArgs productArgs(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, const float* a,
                      std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  SgemmArgs g;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.lda = lda;
  g.b = b;
  g.ldb = ldb;
  g.beta = beta;
  g.c = c;
  g.ldc = ldc;
  return g;
}

}  // namespace

GemmBlocking gemmBlocking(const GemmKernel& kern, std::size_t m, std::size_t k) {
  const bool deep = kern.deep_min_m != 0 && m >= kern.deep_min_m && k > kern.kc;
  const std::size_t kc_max = deep ? kern.kc_deep : kern.kc;
  GemmBlocking b;
  b.kc = k <= kc_max ? k : roundUp(ceilDiv(k, ceilDiv(k, kc_max)), 8);
  b.nc = deep ? kern.nc_deep : kern.nc;
  return b;
}

bool sgemm(const SgemmArgs& g, std::size_t max_threads) {
  if (g.m == 0 || g.n == 0) return true;
  if (g.k == 0 || g.alpha == 0.0f) {
    scaleC(g.c, g.ldc, g.m, g.n, g.beta);
    return true;
  }
  const GemmKernel& kern = f32GemmKernel(activeIsa());
  const double macs = static_cast<double>(g.m) * g.n * g.k;
  // A function of the shape alone, never of the thread count (the bits do not depend on it
  // either, but the speed of each path is tuned for the shape).
  return runProduct(kern, g, useSup(kern, g, macs), nullptr, max_threads);
}

// Prepacked A: every depth block of op(A) (gemmBlocking's blocking of k for m rows) in turn, each as
// ceil(m/MR) panels of MR rows exactly as packA lays out one block (tail panel zero filled).
// Block pc (a multiple of the full block depth kcb) therefore starts at roundUp(m, MR) * pc.
std::size_t packedASize(Isa isa, std::size_t m, std::size_t k) {
  const GemmKernel& kern = f32GemmKernel(isa);
  return roundUp(m, kern.mr) * k;
}

void packAForGemm(Isa isa, float* dst, const float* a, std::size_t lda, bool trans_a, std::size_t m,
                  std::size_t k) {
  const GemmKernel& kern = f32GemmKernel(isa);
  const std::size_t mp = roundUp(m, kern.mr);
  const std::size_t kcb = gemmBlocking(kern, m, k).kc;
  for (std::size_t pc = 0; pc < k; pc += kcb) {
    const std::size_t kc = std::min(kcb, k - pc);
    (kern.pack_a ? kern.pack_a : packA)(dst + mp * pc, a, lda, trans_a, 0, m, pc, kc, kern.mr);
  }
}

bool sgemmPackedA(Isa isa, const float* packed_a, std::size_t m, std::size_t k, bool trans_b, std::size_t n,
                  const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc,
                  std::size_t max_threads) {
  if (m == 0 || n == 0) return true;
  if (k == 0) {
    scaleC(c, ldc, m, n, beta);
    return true;
  }
  const SgemmArgs g = productArgs(false, trans_b, m, n, k, nullptr, 0, b, ldb, beta, c, ldc);
  return runProduct(f32GemmKernel(isa), g, false, packed_a, max_threads);
}

bool sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
           const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc, std::size_t max_threads) {
  return sgemm(productArgs(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc), max_threads);
}

bool sgemmStridedBatched(const SgemmArgs& g, std::size_t stride_a, std::size_t stride_b,
                         std::size_t stride_c, std::size_t batch, std::size_t max_threads) {
  if (batch == 0 || g.m == 0 || g.n == 0) return true;
  const double macs = static_cast<double>(g.m) * g.n * g.k;
  const std::size_t threads = std::min(max_threads, numThreads());
  auto one = [&](std::size_t i, std::size_t inner_threads) {
    SgemmArgs gi = g;
    gi.a = g.a + i * stride_a;
    gi.b = g.b + i * stride_b;
    gi.c = g.c + i * stride_c;
    return sgemm(gi, inner_threads);
  };
  // Large products use every thread each; small ones are spread over the batch instead, which
  // splits no tile grid and packs nothing twice, so it wins well past the point where one
  // product alone would start using a second thread.
  if (threads <= 1 || macs >= kMinMacsPerBatchedProduct * threads) {
    for (std::size_t i = 0; i < batch; i++) {
      if (!one(i, threads)) return false;
    }
    return true;
  }
  std::atomic<bool> ok{true};
  parallelFor(batch, threads, [&](std::size_t i) {
    if (!one(i, 1)) ok.store(false);
  });
  return ok.load();
}

const GemmKernel& f32GemmKernel(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::kAvx512) return f32GemmKernelAvx512();
  if (isa == Isa::kAvx2) return f32GemmKernelAvx2();
#endif
  (void)isa;
  return f32GemmKernelScalar();
}

}  // namespace keel
