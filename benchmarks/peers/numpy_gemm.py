"""GEMM peer for benchmarks/gemm.mjs: numpy's matmul (OpenBLAS when Debian's libopenblas0 is
installed), driven over stdin/stdout one JSON request per line so the Node side can interleave
Keel and numpy runs of the same workload.

Request:  {"m":..,"k":..,"n":..,"threads":..,"seconds":..}
Reply:    {"samples":[seconds per call, ...]}
First line written at start: {"ready":true, "numpy":..., "blas":[threadpoolctl info]}
"""
import time

import numpy as np

from serve import serve

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # Debian package python3-threadpoolctl
    threadpool_info = None
    threadpool_limits = None


def blas_info():
    if threadpool_info is None:
        return []
    return [{k: v for k, v in pool.items() if k != "filepath"} | {"file": pool.get("filepath", "")}
            for pool in threadpool_info()]


def operand_sets(m, k, n, rng):
    # Rotate through enough operand sets to exceed the L2 cache, as the Keel side does, so
    # small sizes are not flattered by a warm cache.
    per_set = 4 * (m * k + k * n + m * n)
    count = max(1, min(16, (4 << 20) // max(per_set, 1)))
    return [(rng.standard_normal((m, k), dtype=np.float32),
             rng.standard_normal((k, n), dtype=np.float32),
             np.empty((m, n), dtype=np.float32)) for _ in range(count)]


def measure(req):
    m, k, n = req["m"], req["k"], req["n"]
    budget = req.get("seconds", 0.3)
    rng = np.random.default_rng(1)
    sets = operand_sets(m, k, n, rng)
    ctx = threadpool_limits(limits=req["threads"], user_api="blas") if threadpool_limits else None
    try:
        # Warm-up, then calibrate a batch that takes ~1/5 of the budget.
        for a, b, c in sets:
            np.matmul(a, b, out=c)
        t = time.perf_counter()
        np.matmul(sets[0][0], sets[0][1], out=sets[0][2])
        one = max(time.perf_counter() - t, 1e-7)
        batch = max(1, int(budget / 5 / one))
        samples = []
        end = time.perf_counter() + budget
        i = 0
        while len(samples) < 5 or (time.perf_counter() < end and len(samples) < 50):
            t = time.perf_counter()
            for _ in range(batch):
                a, b, c = sets[i % len(sets)]
                np.matmul(a, b, out=c)
                i += 1
            samples.append((time.perf_counter() - t) / batch)
        return {"samples": samples}
    finally:
        if ctx is not None:
            ctx.restore_original_limits()


def main():
    serve(measure, {"numpy": np.__version__, "blas": blas_info()})


if __name__ == "__main__":
    main()
