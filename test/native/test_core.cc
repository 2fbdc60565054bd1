#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "check.h"
#include "core/aligned_alloc.h"
#include "core/cpu.h"
#include "core/thread_pool.h"

using namespace keel;

TEST_CASE("alignedAlloc returns 64-byte aligned memory, including for 0 bytes") {
  for (std::size_t bytes : {0, 1, 63, 64, 65, 4096, 1 << 20}) {
    void* p = alignedAlloc(bytes);
    CHECK(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
    alignedFree(p);
  }
  CHECK(alignedAlloc(SIZE_MAX) == nullptr);
  CHECK(alignedAlloc(SIZE_MAX - 10) == nullptr);
}

TEST_CASE("ScratchBuffer grows and keeps its memory") {
  ScratchBuffer s;
  float* a = s.reserve(100);
  CHECK(a != nullptr);
  CHECK(s.reserve(50) == a);
  float* b = s.reserve(100000);
  CHECK(b != nullptr);
  b[99999] = 1.0f;
  CHECK(s.reserve(SIZE_MAX / 2) == nullptr);
  CHECK(s.reserve(10) == b);
}

TEST_CASE("ISA parsing, support and switching") {
  Isa isa;
  CHECK(parseIsa("AVX2", &isa) && isa == Isa::kAvx2);
  CHECK(parseIsa("scalar", &isa) && isa == Isa::kScalar);
  CHECK(!parseIsa("sse9", &isa));
  CHECK(isaSupported(Isa::kScalar));
  CHECK(isaSupported(bestIsa()));
  const Isa before = activeIsa();
  CHECK(setActiveIsa(Isa::kScalar));
  CHECK(activeIsa() == Isa::kScalar);
  CHECK(setActiveIsa(before));
  if (!isaSupported(Isa::kAvx512)) CHECK(!setActiveIsa(Isa::kAvx512));
}

TEST_CASE("parallelFor runs every index exactly once, from several submitters at once") {
  const std::size_t saved = numThreads();
  setNumThreads(4);
  std::vector<std::thread> submitters;
  std::atomic<int> bad{0};
  for (int s = 0; s < 3; s++) {
    submitters.emplace_back([&] {
      for (int rep = 0; rep < 200; rep++) {
        std::vector<std::atomic<int>> hits(257);
        for (auto& h : hits) h.store(0);
        parallelFor(hits.size(), 4, [&](std::size_t i) { hits[i].fetch_add(1); });
        for (auto& h : hits) {
          if (h.load() != 1) bad.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : submitters) t.join();
  CHECK(bad.load() == 0);
  setNumThreads(saved);
}

TEST_CASE("parallelFor with zero tasks or one thread runs inline") {
  int calls = 0;
  parallelFor(0, 8, [&](std::size_t) { calls++; });
  CHECK(calls == 0);
  parallelFor(5, 1, [&](std::size_t) { calls++; });
  CHECK(calls == 5);
}

#include "core/storage.h"

TEST_CASE("StorageTable: handles, stale handles after reuse, no double free") {
  StorageTable table;
  const uint64_t h1 = table.allocate(100, true);
  CHECK(h1 != 0);
  StorageBlock* b1 = table.lookup(h1);
  CHECK(b1 != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(b1->data()) % 64 == 0);
  CHECK(static_cast<unsigned char*>(b1->data())[99] == 0);
  CHECK(table.liveCount() == 1 && table.liveBytes() == 100);
  CHECK(table.free(h1));
  CHECK(!table.free(h1));
  CHECK(table.lookup(h1) == nullptr);
  const uint64_t h2 = table.allocate(8, false);  // reuses the slot with a new generation
  CHECK(h2 != h1);
  CHECK(table.lookup(h1) == nullptr);
  CHECK(!table.free(h1));
  CHECK(table.lookup(h2) != nullptr);
  CHECK(table.lookup(0) == nullptr);
  CHECK(table.lookup(~uint64_t{0}) == nullptr);
  CHECK(table.liveCount() == 1 && table.liveBytes() == 8);
}

TEST_CASE("StorageBlock outlives its handle while another reference holds it") {
  StorageTable table;
  const uint64_t h = table.allocate(64, true);
  StorageBlock* block = table.lookup(h);
  block->retain();  // as a JS view does
  CHECK(table.free(h));
  static_cast<float*>(block->data())[0] = 1.0f;  // still valid: ASan would flag a use after free
  CHECK(block->release());
}

TEST_CASE("StorageTable frees what is still live when destroyed") {
  auto* table = new StorageTable();
  for (int i = 0; i < 100; i++) table->allocate(1000, false);
  delete table;  // LeakSanitizer checks nothing is left
}
