"""PyTorch peer for benchmarks/nn.mjs: layer workloads (conv, pooling, batch norm) on Debian's
python3-torch, one JSON request per line. Request {"workload", "threads", "seconds"}; reply
{"samples": [seconds per call]}.
"""
import torch
import torch.nn.functional as F

from serve import sample_seconds, serve


def make_rnn(name):
    layers = 2 if "-2layer" in name else 1
    m = (torch.nn.GRU if name.startswith("gru") else torch.nn.LSTM)(256, 256, num_layers=layers)
    x = torch.randn(35, 32, 256)
    if name.endswith("forward"):
        return lambda: m(x), False
    xg = x.clone().requires_grad_()

    def fb():
        out, _ = m(xg)
        out.backward(torch.ones_like(out))
        m.zero_grad(set_to_none=True)
        xg.grad = None
    return fb, True


def make(name):
    if name.startswith("lstm") or name.startswith("gru"):
        return make_rnn(name)
    g = torch.Generator().manual_seed(1)
    if name.startswith("conv64"):
        x = torch.randn(32, 64, 32, 32, generator=g)
        w = torch.randn(64, 64, 3, 3, generator=g) * 0.05
        b = torch.zeros(64)
    elif name.startswith("lenet-conv1"):
        x = torch.randn(64, 1, 28, 28, generator=g)
        w = torch.randn(6, 1, 5, 5, generator=g) * 0.2
        b = torch.zeros(6)
    if name.startswith("conv64") or name.startswith("lenet-conv1"):
        pad = 1 if name.startswith("conv64") else 0
        if name.endswith("forward"):
            return lambda: F.conv2d(x, w, b, padding=pad), False
        xg, wg, bg = x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()

        def fb():
            y = F.conv2d(xg, wg, bg, padding=pad)
            y.backward(torch.ones_like(y))
            xg.grad = wg.grad = bg.grad = None
        return fb, True
    p = torch.randn(32, 64, 32, 32, generator=g)
    if name == "maxpool-3s2-forward":
        return lambda: F.max_pool2d(p, 3, stride=2, padding=1), False
    if name == "avgpool-2-forward":
        return lambda: F.avg_pool2d(p, 2), False
    if name == "batchnorm-train-forward-backward":
        pg = p.clone().requires_grad_()
        w, b = torch.ones(64, requires_grad=True), torch.zeros(64, requires_grad=True)
        rm, rv = torch.zeros(64), torch.ones(64)

        def fb():
            y = F.batch_norm(pg, rm, rv, w, b, training=True)
            y.backward(torch.ones_like(y))
            pg.grad = w.grad = b.grad = None
        return fb, True
    raise KeyError(name)


def measure(req):
    torch.set_num_threads(req["threads"])
    fn, grad = make(req["workload"])
    budget = req.get("seconds", 0.3)
    with torch.enable_grad() if grad else torch.no_grad():
        samples = sample_seconds(fn, budget, 30)
    return {"samples": samples}


def main():
    serve(measure, {"torch": torch.__version__})


if __name__ == "__main__":
    main()
