"""PyTorch peer for benchmarks/ops.mjs: tensor-op workloads on Debian's python3-torch, served
one JSON request per line so the Node side can interleave the two frameworks.

Request: {"workload": name, "threads": n, "seconds": s}   Reply: {"samples": [seconds per call]}
"""
import json
import sys
import time

import torch


def make(name):
    g = torch.Generator().manual_seed(1)
    if name == "add-scalar-tensors":
        a, b = torch.tensor([1.0]), torch.tensor([2.0])
        return lambda: torch.add(a, b)
    if name == "add-scalar-tensors-grad":
        a, b = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
        return lambda: torch.add(a, b)
    n = 1 << 20
    x = torch.randn(n, generator=g)
    y = torch.randn(n, generator=g)
    m = torch.randn(1000, 1000, generator=g)
    ops = {
        "add-1M": lambda: torch.add(x, y),
        "mul-1M": lambda: torch.mul(x, y),
        "exp-1M": lambda: torch.exp(x),
        "sigmoid-1M": lambda: torch.sigmoid(x),
        "tanh-1M": lambda: torch.tanh(x),
        "relu-1M": lambda: torch.relu(x),
        "sum-1M": lambda: torch.sum(x),
        "max-1M": lambda: torch.max(x),
        "sum-dim0-1000x1000": lambda: torch.sum(m, dim=0),
        "sum-dim1-1000x1000": lambda: torch.sum(m, dim=1),
        "softmax-1000x1000": lambda: torch.softmax(m, dim=1),
        "copy-1M": lambda: x.clone(),
    }
    return ops[name]


def measure(req):
    torch.set_num_threads(req["threads"])
    fn = make(req["workload"])
    budget = req.get("seconds", 0.3)
    with torch.no_grad() if "grad" not in req["workload"] else torch.enable_grad():
        fn()
        t = time.perf_counter()
        fn()
        one = max(time.perf_counter() - t, 1e-7)
        batch = max(1, int(budget / 5 / one))
        samples = []
        end = time.perf_counter() + budget
        while len(samples) < 5 or (time.perf_counter() < end and len(samples) < 50):
            t = time.perf_counter()
            for _ in range(batch):
                fn()
            samples.append((time.perf_counter() - t) / batch)
    return {"samples": samples}


def main():
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            print(json.dumps(measure(json.loads(line))), flush=True)
        except Exception as exc:
            print(json.dumps({"error": repr(exc)}), flush=True)


if __name__ == "__main__":
    main()
