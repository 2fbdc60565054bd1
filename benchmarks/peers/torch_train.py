"""PyTorch peer for benchmarks/train.mjs: whole training steps (forward, loss, backward,
optimizer) of the models Keel's zoo builds, on Debian's python3-torch, one JSON request per
line. Request {"workload", "threads", "seconds"}; reply {"samples": [seconds per step]}.

Thread settings that need the environment (OMP_WAIT_POLICY, OPENBLAS_NUM_THREADS) are given
to the whole process by the caller, which starts one peer per setting.
"""
import torch
import torch.nn as nn

from serve import sample_seconds, serve

# Input batches rotated step to step, as on the Keel side (a warm cache should not flatter).
ROTATE = 4


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 512), nn.ReLU(),
        nn.Linear(512, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )


def make(name):
    torch.manual_seed(0)
    if name == "lenet5":
        model, batch = lenet5(), 64
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    elif name == "mlp":
        model, batch = mlp(), 128
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        raise KeyError(name)
    loss_fn = nn.CrossEntropyLoss()
    xs = [torch.randn(batch, 1, 28, 28) for _ in range(ROTATE)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(ROTATE)]
    state = {"i": 0}

    def step():
        i = state["i"] = (state["i"] + 1) % ROTATE
        opt.zero_grad()
        loss = loss_fn(model(xs[i]), ys[i])
        loss.backward()
        opt.step()
    return step


_steps = {}


def measure(req):
    torch.set_num_threads(req["threads"])
    name = req["workload"]
    if name not in _steps:
        _steps[name] = make(name)
        for _ in range(20):  # allocator and thread pool warm-up
            _steps[name]()
    samples = sample_seconds(_steps[name], req.get("seconds", 0.5), 50)
    return {"samples": samples}


def main():
    serve(measure, {"torch": torch.__version__, "threads": torch.get_num_threads()})


if __name__ == "__main__":
    main()
