"""PyTorch peer for benchmarks/ops.mjs: tensor-op workloads on Debian's python3-torch, served
one JSON request per line so the Node side can interleave the two frameworks.

Request: {"workload": name, "threads": n, "seconds": s}   Reply: {"samples": [seconds per call]}
"""
import torch

from serve import sample_seconds, serve


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
        samples = sample_seconds(fn, budget, 50)
    return {"samples": samples}


def main():
    serve(measure, {"torch": torch.__version__})


if __name__ == "__main__":
    main()
