"""The request loop and timing shared by the Python peers of the benchmark scripts: one JSON
request per line on stdin, one JSON reply per line on stdout, so the Node side can interleave
peer and Keel runs workload by workload."""
import json
import sys
import time


def sample_seconds(fn, budget, max_samples=50):
    """Seconds per call of fn: warm-up, a batch size calibrated to ~budget/5, then batches."""
    fn()
    t = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t, 1e-7)
    batch = max(1, int(budget / 5 / one))
    samples = []
    end = time.perf_counter() + budget
    while len(samples) < 5 or (time.perf_counter() < end and len(samples) < max_samples):
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t) / batch)
    return samples


def serve(measure, hello):
    """Prints `hello`, then answers each request line with measure(request) (errors reported)."""
    print(json.dumps({"ready": True, **hello}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            print(json.dumps(measure(json.loads(line))), flush=True)
        except Exception as exc:  # report, keep serving
            print(json.dumps({"error": repr(exc)}), flush=True)
