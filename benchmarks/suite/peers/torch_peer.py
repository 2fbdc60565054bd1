"""PyTorch and NumPy worker of Keel's benchmark suite (benchmarks/suite/run.mjs), for Debian's
python3-torch and python3-numpy, run with /usr/bin/python3.

    torch_peer.py --framework torch   every workload, with torch's own thread pools as the
                                      coordinator's environment sets them (one process per
                                      thread setting: OMP_NUM_THREADS, OMP_WAIT_POLICY,
                                      OPENBLAS_NUM_THREADS)
    torch_peer.py --framework numpy   GEMM only (numpy.matmul on OpenBLAS), threads set per
                                      request with threadpoolctl
    torch_peer.py --export-onnx DIR   writes lenet5.onnx and resnet20.onnx (the suite's shared
                                      weights, dynamic batch) for the ONNX Runtime worker

Same protocol as peers/harness.mjs: one JSON request per stdin line, one "@@bench <json>"
reply per stdout line. Data and weights come from the same generator as data.mjs, bit for bit,
and the models match Keel's (and therefore PyTorch's usual) definitions key for key.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

PREFIX = "@@bench "
# As harness.mjs: a first call of 5 s or more is also a measurement; calls under 1 s get a
# warm-up call before every repeat's timing.
FIRST_CALL_MEASURES_SECONDS = 5
WARMUP_BELOW_SECONDS = 1


# ---- shared data: the same functions as benchmarks/suite/data.mjs -------------------------

def fnv1a(name):
    h = 0x811C9DC5
    for ch in name.encode("ascii"):
        h ^= ch
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def uniform(name, n, lo=-1.0, hi=1.0):
    """n float32 values uniform in [lo, hi), bit-identical to data.mjs's uniform()."""
    seed = np.uint32(fnv1a(name))
    with np.errstate(over="ignore"):
        x = seed + np.arange(n, dtype=np.uint32) * np.uint32(0x9E3779B1)
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    u = (x >> np.uint32(8)).astype(np.float64) / 16777216.0
    return (lo + (hi - lo) * u).astype(np.float32)


def labels(name, n, classes):
    u = uniform(name, n, 0.0, 1.0).astype(np.float64)
    return np.minimum(classes - 1, np.floor(u * classes)).astype(np.int64)


def init_param(model, key, shape):
    """data.mjs's initParam(): the suite's init rule by state_dict key."""
    n = int(np.prod(shape)) if len(shape) else 1
    name = f"{model}:{key}"
    leaf = key.rsplit(".", 1)[-1]
    if leaf.startswith(("weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l")):
        b = 1 / math.sqrt(shape[0] / 4)
        return uniform(name, n, -b, b).reshape(shape)
    if leaf == "running_mean":
        return uniform(name, n, -0.1, 0.1).reshape(shape)
    if leaf == "running_var":
        return uniform(name, n, 0.5, 1.5).reshape(shape)
    if leaf == "weight" and len(shape) == 1:
        return uniform(name, n, 0.9, 1.1).reshape(shape)
    if leaf == "bias":
        return uniform(name, n, -0.1, 0.1).reshape(shape)
    if key.startswith("embed"):
        return uniform(name, n, -1, 1).reshape(shape)
    fan_in = int(np.prod(shape[1:]))
    b = math.sqrt(6 / fan_in)
    return uniform(name, n, -b, b).reshape(shape)


def fingerprint(a):
    a = np.asarray(a, dtype=np.float64).ravel()
    return {"sum": float(a.sum()), "abs": float(np.abs(a).sum())}


# ---- timing: the same loop as harness.mjs's timeCalls() -------------------------------------

def time_calls(run, seconds):
    calls = 0
    t0 = time.perf_counter()
    while True:
        run()
        calls += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return {"perCall": elapsed / calls, "calls": calls}


# ---- models (PyTorch side; imported lazily so the numpy worker does not load torch) ---------

def torch_models():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def mlp():
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                            nn.Linear(84, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    class PadShortcut(nn.Module):
        # Option A (He et al. 2015, section 4.2): subsample by 2, zero-pad the channels.
        def __init__(self, in_planes, planes):
            super().__init__()
            self.before = (planes - in_planes) // 2
            self.after = planes - in_planes - self.before

        def forward(self, x):
            return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.before, self.after))

    class BasicBlock(nn.Module):
        def __init__(self, in_planes, planes, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = PadShortcut(in_planes, planes) if stride != 1 or in_planes != planes else None

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (self.downsample(x) if self.downsample is not None else x))

    class ResNet20(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU()
            planes_in = 16
            stages = []
            for planes, stride in ((16, 1), (32, 2), (64, 2)):
                blocks = []
                for i in range(3):
                    blocks.append(BasicBlock(planes_in, planes, stride if i == 0 else 1))
                    planes_in = planes
                stages.append(nn.Sequential(*blocks))
            self.layer1, self.layer2, self.layer3 = stages
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.layer3(self.layer2(self.layer1(y)))
            return self.fc(torch.flatten(self.avgpool(y), 1))

    class CharLSTM(nn.Module):
        def __init__(self, vocab, embed, hidden):
            super().__init__()
            self.embed = nn.Embedding(vocab, embed)
            self.lstm = nn.LSTM(embed, hidden)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, ids):
            out, _ = self.lstm(self.embed(ids))
            return self.head(out.reshape(-1, out.shape[2]))

    def load_shared(model, name):
        with torch.no_grad():
            for key, value in model.state_dict(keep_vars=True).items():
                if value.dtype.is_floating_point:
                    value.copy_(torch.from_numpy(init_param(name, key, tuple(value.shape))))
        return model

    def build(w):
        m = w["model"]
        if m == "mlp":
            return load_shared(mlp(), "mlp")
        if m == "lenet5":
            return load_shared(LeNet5(), "lenet5")
        if m == "resnet20":
            return load_shared(ResNet20(), "resnet20")
        if m == "charlstm":
            return load_shared(CharLSTM(w["vocab"], w["embed"], w["hidden"]), "charlstm")
        raise KeyError(m)

    return torch, build, load_shared


def model_input(torch, w):
    if w["model"] == "charlstm":
        return torch.from_numpy(labels(f"{w['name']}:x", w["seq"] * w["batch"], w["vocab"]).reshape(w["seq"], w["batch"]))
    shape = (w["batch"], 3, 32, 32) if w["model"] == "resnet20" else (w["batch"], 1, 28, 28)
    return torch.from_numpy(uniform(f"{w['name']}:x", int(np.prod(shape))).reshape(shape))


def targets(torch, w):
    n = w["seq"] * w["batch"] if w["model"] == "charlstm" else w["batch"]
    return torch.from_numpy(labels(f"{w['name']}:y", n, w["vocab"] if w["model"] == "charlstm" else 10))


# ---- workloads --------------------------------------------------------------------------------

class Unsupported(Exception):
    pass


def torch_setup(w):
    torch, build, load_shared = torch_models()
    F = torch.nn.functional
    kind = w["kind"]
    if kind == "gemm":
        sets = [(torch.from_numpy(uniform(f"gemm:{w['name']}:a{j}", w["m"] * w["k"]).reshape(w["m"], w["k"])),
                 torch.from_numpy(uniform(f"gemm:{w['name']}:b{j}", w["k"] * w["n"]).reshape(w["k"], w["n"])))
                for j in range(w["sets"])]
        state = {"i": 0}

        def run():
            a, b = sets[state["i"] % len(sets)]
            state["i"] += 1
            torch.mm(a, b)
        return run, lambda: fingerprint(torch.mm(*sets[0]).numpy())

    if kind == "conv":
        n, cin, cout, h, wd, k = w["n"], w["cin"], w["cout"], w["h"], w["w"], w["kernel"]
        x = torch.from_numpy(uniform(f"{w['name']}:x", n * cin * h * wd).reshape(n, cin, h, wd))
        wt = torch.from_numpy(init_param(w["name"], "weight", (cout, cin, k, k)))
        b = torch.from_numpy(init_param(w["name"], "bias", (cout,)))
        pad = w["padding"]
        if not w["backward"]:
            def fwd():
                with torch.no_grad():
                    return F.conv2d(x, wt, b, padding=pad)
            return fwd, lambda: fingerprint(fwd().numpy())
        xg, wg, bg = (t.clone().requires_grad_() for t in (x, wt, b))

        def step():
            y = F.conv2d(xg, wg, bg, padding=pad)
            y.backward(torch.ones_like(y))
            dw = wg.grad
            xg.grad = wg.grad = bg.grad = None
            return dw
        return step, lambda: fingerprint(step().numpy())

    if kind == "lstm":
        lstm = load_shared(torch.nn.LSTM(w["input"], w["hidden"]), w["name"])
        x = torch.from_numpy(uniform(f"{w['name']}:x", w["seq"] * w["batch"] * w["input"]).reshape(w["seq"], w["batch"], w["input"]))
        if not w["backward"]:
            def fwd():
                with torch.no_grad():
                    return lstm(x)[0]
            return fwd, lambda: fingerprint(fwd().numpy())
        xg = x.clone().requires_grad_()

        def step():
            out, _ = lstm(xg)
            out.backward(torch.ones_like(out))
            dw = lstm.weight_ih_l0.grad
            lstm.zero_grad(set_to_none=True)
            xg.grad = None
            return dw
        return step, lambda: fingerprint(step().numpy())

    if kind == "train":
        model = build(w).train()
        opt = (torch.optim.Adam(model.parameters(), lr=w["lr"]) if w["optimizer"] == "adam"
               else torch.optim.SGD(model.parameters(), lr=w["lr"], momentum=w["momentum"]))
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = model_input(torch, w), targets(torch, w)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, lambda: (lambda v: {"sum": v, "abs": abs(v)})(step().item())

    if kind == "infer":
        model = build(w).eval()
        x = model_input(torch, w)

        def predict():
            with torch.inference_mode():
                return model(x).numpy()
        return predict, lambda: fingerprint(predict())

    raise Unsupported(f"unknown workload kind {kind}")


def numpy_setup(w):
    if w["kind"] != "gemm":
        raise Unsupported("the numpy peer runs GEMM only")
    sets = [(uniform(f"gemm:{w['name']}:a{j}", w["m"] * w["k"]).reshape(w["m"], w["k"]),
             uniform(f"gemm:{w['name']}:b{j}", w["k"] * w["n"]).reshape(w["k"], w["n"]))
            for j in range(w["sets"])]
    state = {"i": 0}

    def run():
        a, b = sets[state["i"] % len(sets)]
        state["i"] += 1
        np.matmul(a, b)
    return run, lambda: fingerprint(np.matmul(*sets[0]))


# ---- serving --------------------------------------------------------------------------------------

def send(obj):
    sys.stdout.write(PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


def blas_pools():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [{k: v for k, v in p.items() if k != "filepath"} for p in threadpool_info()]


def serve(framework):
    if framework == "torch":
        import torch
        setup = torch_setup
        cfg = torch.__config__.show()
        capability = next((line.split(":", 1)[1].strip() for line in cfg.splitlines() if "CPU capability usage" in line), None)
        hello = {"framework": "pytorch", "version": torch.__version__, "numpy": np.__version__, "cpuCapability": capability,
                 "threads": [n for n in (1, 2) if n <= (os.cpu_count() or 1)],
                 "threadsDefault": torch.get_num_threads(), "pools": blas_pools(),
                 "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS")}}

        def set_threads(n):
            torch.set_num_threads(n)
    else:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            threadpool_limits = None
        setup = numpy_setup
        np.matmul(np.ones((64, 64), np.float32), np.ones((64, 64), np.float32))  # load the BLAS
        hello = {"framework": "numpy", "version": np.__version__, "pools": blas_pools(),
                 "threads": [n for n in (1, 2) if n <= (os.cpu_count() or 1)] if threadpool_limits else [1]}
        limiter = {"ctx": None}

        def set_threads(n):
            if threadpool_limits is None:
                raise Unsupported("python3-threadpoolctl is missing: cannot set OpenBLAS threads")
            if limiter["ctx"] is not None:
                limiter["ctx"].restore_original_limits()
            limiter["ctx"] = threadpool_limits(limits=n, user_api="blas")
    send({"ready": True, "python": sys.version.split()[0], **hello})

    states = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        w, threads, seconds = req["workload"], req["threads"], req["seconds"]
        try:
            set_threads(threads)
            key = f"{w['name']}@{threads}"
            check = None
            if key not in states:
                run, first = setup(w)
                t0 = time.perf_counter()
                check = first()  # the warm-up call, and the fingerprint the coordinator compares
                took = time.perf_counter() - t0
                states[key] = {"run": run, "last": math.inf}
                if took >= FIRST_CALL_MEASURES_SECONDS:
                    states[key]["last"] = took
                    send({"id": req["id"], "perCall": took, "calls": 1, "check": check})
                    continue
            elif states[key]["last"] < WARMUP_BELOW_SECONDS:
                states[key]["run"]()
            st = states[key]
            reply = time_calls(st["run"], seconds)
            st["last"] = reply["perCall"]
            if check is not None:
                reply["check"] = check
            send({"id": req["id"], **reply})
        except Unsupported as exc:
            send({"id": req["id"], "unsupported": str(exc)})
        except Exception as exc:  # reported, and the worker keeps serving
            send({"id": req["id"], "error": f"{type(exc).__name__}: {exc}".splitlines()[0]})


def export_onnx(out_dir):
    """Exports the inference models with the shared weights; prints what was written."""
    torch, build, _ = torch_models()
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for model, shape in (("lenet5", (1, 1, 28, 28)), ("resnet20", (1, 3, 32, 32))):
        path = os.path.join(out_dir, f"{model}.onnx")
        net = build({"model": model}).eval()
        torch.onnx.export(net, torch.zeros(shape), path, input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
        written[model] = path
    send({"ready": True, "exported": written, "torch": torch.__version__})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--framework", choices=("torch", "numpy"))
    ap.add_argument("--export-onnx", metavar="DIR")
    args = ap.parse_args()
    if args.export_onnx:
        export_onnx(args.export_onnx)
    else:
        serve(args.framework)


if __name__ == "__main__":
    main()
