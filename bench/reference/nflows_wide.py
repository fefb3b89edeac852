#!/usr/bin/env python3
"""
PyTorch reference for the wide benchmark of issue 16 (bench/wide.ts runs it side by side with ours).

It rebuilds in plain PyTorch (Debian's python3-torch 1.13; no nflows package needed) the five
configurations of the issue with nflows' conventions:
  - maf-d8      MAF, d 8, 5 layers, MADE hidden 256
  - nsf-ar-d8   autoregressive rational-quadratic splines, d 8, 5 layers, 8 bins, tail bound 3, hidden 256
  - nsf-c-d8    coupling rational-quadratic splines, d 8, 5 layers, 8 bins, tail bound 3, hidden 256
  - realnvp-d32 affine couplings, d 32, 8 layers, hidden 256
  - maf-d43     MAF, d 43, 5 layers, MADE hidden 512
Conventions, as nflows' transforms:
  - MADE as nflows' MADE (MaskedAffineAutoregressiveTransform /
    MaskedPiecewiseRationalQuadraticAutoregressiveTransform, use_residual_blocks=False): input
    degrees 1…d, hidden degrees cycling 1…d−1, hidden masks `out ≥ in`, output masks `out > in`,
    outputs grouped per feature (`view(-1, d, multiplier)`), the weight multiplied by its mask in
    every call (`F.linear(x, W * mask, b)`), PyTorch's default initialisation. The network is
    d → H → ReLU → H → ReLU → d·m: two hidden layers of width H, the architecture our `hidden: [H, H]`
    builds (nflows' MADE with num_blocks=2 has one more H×H linear layer, without an activation,
    between its initial layer and the first block; `--nflows-made` adds it);
  - couplings: nflows' alternating binary masks (layer 0 transforms the even features), an MLP
    conditioner n_identity → H → ReLU → H → ReLU → n_transform·m (nflows.nn.nets.MLP);
  - a reversal permutation between autoregressive layers (nflows' ReversePermutation);
  - standard normal base; the density direction maps data → noise (nflows' `forward`).
  - affine scale exp(3 tanh(s / 3)) as our AffineTransformer's default (as bench/reference/nflows_moons.py;
    nflows' sigmoid(s + 2) + 1e-3 costs the same); splines with linear tails, min bin width/height and
    derivative 1e-3, boundary derivatives 1, the autoregressive spline's widths and heights divided by
    sqrt(H) (nflows does so when the net has `hidden_features`, as MADE has).

Also 'realnvp-moons' and 'nsf-moons': bench/reference/nflows_moons.py's RealNVP-8 and NSF-4 (issue 8), on
out/reference/moons-train.csv (bench/reference/export-moons.ts).

Data: the CSV bench/reference/gmm-data.ts writes (standardised 10-component Gaussian mixture, the rows
our benchmark trains on). Training: batch 512 (reshuffled every epoch), Adam 1e-3, timed in blocks after
a warm-up (median block). logProb of N rows (the data tiled) and sample of M rows on a fresh flow,
under torch.no_grad, after a small warm-up call; the best of `--eval-runs` runs.

    /usr/bin/python3 bench/reference/nflows_wide.py --config maf-d8 --data out/reference/gmm-d8.csv \
        [--threads 1] [--warmup 10] [--blocks 5] [--block 20] [--logprob-rows 100000] [--sample-rows 10000]

Prints one JSON object on the last line of stdout (with `blas`: the BLAS library the process loaded).

BLAS: Debian's torch calls whatever libblas.so.3 points to. With only libblas3 (the reference BLAS)
a 512×256·256×256 product runs at ~4.5 GFLOP/s here instead of ~80 with OpenBLAS, and every figure is
10× too slow: install `libopenblas0-pthread` (apt), which becomes the libblas.so.3 alternative. Its
threads follow OPENBLAS_NUM_THREADS, which this script sets from `--threads` before torch loads.
"""
import argparse
import json
import math
import os
import sys
import time


def _threads_argument():
    """`--threads` read before torch loads: OpenBLAS (the BLAS Debian's torch calls) takes its thread
    count from OPENBLAS_NUM_THREADS at load time and ignores torch.set_num_threads."""
    for i, a in enumerate(sys.argv):
        if a == '--threads' and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith('--threads='):
            return a.split('=', 1)[1]
    return '1'


os.environ['OPENBLAS_NUM_THREADS'] = _threads_argument()
os.environ.setdefault('OMP_NUM_THREADS', os.environ['OPENBLAS_NUM_THREADS'])

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nflows_moons import Flow as MoonsFlow, ml_steps, rq_spline  # noqa: E402  (the same spline, elementwise on any shape)

CONFIGS = {
    'maf-d8': dict(kind='maf', dim=8, layers=5, hidden=256),
    'nsf-ar-d8': dict(kind='nsf-ar', dim=8, layers=5, hidden=256, bins=8, bound=3.0),
    'nsf-c-d8': dict(kind='nsf-c', dim=8, layers=5, hidden=256, bins=8, bound=3.0),
    'realnvp-d32': dict(kind='realnvp', dim=32, layers=8, hidden=256),
    'maf-d43': dict(kind='maf', dim=43, layers=5, hidden=512),
    # The 2-D flows of issue 8, as bench/reference/nflows_moons.py builds them (bench/wide.ts runs them at batch 256).
    'realnvp-moons': dict(kind='moons', dim=2, moons=('affine', 8)),
    'nsf-moons': dict(kind='moons', dim=2, moons=('spline', 4)),
}


class MaskedLinear(nn.Linear):
    """nflows.transforms.made.MaskedLinear: F.linear(x, W * mask, b), mask [out, in]."""

    def __init__(self, in_degrees, out_degrees, is_output):
        super().__init__(len(in_degrees), len(out_degrees))
        mask = (out_degrees[:, None] > in_degrees) if is_output else (out_degrees[:, None] >= in_degrees)
        self.register_buffer('mask', mask.float())

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class MADE(nn.Module):
    """nflows' MADE without residual blocks, sequential degrees, ReLU; output [B, d·m], grouped per feature."""

    def __init__(self, d, hidden, multiplier, nflows_made=False):
        super().__init__()
        inputs = torch.arange(1, d + 1)
        hmax, hmin = max(1, d - 1), min(1, d - 1)
        hidden_deg = torch.arange(hidden) % hmax + hmin
        layers = [MaskedLinear(inputs, hidden_deg, False)]
        if nflows_made:  # nflows' initial layer has no activation before the first block's linear layer
            layers.append(MaskedLinear(hidden_deg, hidden_deg, False))
        layers += [nn.ReLU(), MaskedLinear(hidden_deg, hidden_deg, False), nn.ReLU(),
                   MaskedLinear(hidden_deg, inputs.repeat_interleave(multiplier), True)]
        self.net = nn.Sequential(*layers)
        self.hidden_features = hidden

    def forward(self, x):
        return self.net(x)


def chain_log_prob(steps, x, dim):
    """log p(x) of a flow over a standard normal: the density-path steps (each returning the new rows
    and their log-det, or None for a volume-preserving step) in order, then the base's log-density."""
    total = torch.zeros(x.shape[0])
    for s in steps:
        x, ld = s(x)
        if ld is not None:
            total = total + ld
    return total - 0.5 * x.pow(2).sum(1) - 0.5 * dim * math.log(2 * math.pi)


def mlp(n_in, n_out, hidden):
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


def affine(x, p, inverse):
    """p [..., 2]: (unconstrained scale, shift) as nflows' split; scale exp(3 tanh(s/3)).

    Density direction (inverse=False here means data → noise): z = (x − shift) / scale.
    """
    log_scale, shift = 3 * torch.tanh(p[..., 0] / 3), p[..., 1]
    if inverse:  # noise → data
        return x * torch.exp(log_scale) + shift, log_scale
    return (x - shift) * torch.exp(-log_scale), -log_scale


def spline(x, p, bins, bound, inverse, norm):
    return rq_spline(x, p[..., :bins] / norm, p[..., bins:2 * bins] / norm, p[..., 2 * bins:], bound, inverse)


class Autoregressive(nn.Module):
    """nflows' AutoregressiveTransform: density in one MADE pass, sampling in d passes."""

    def __init__(self, kind, d, hidden, bins=8, bound=3.0, nflows_made=False):
        super().__init__()
        self.kind, self.d, self.bins, self.bound = kind, d, bins, bound
        self.m = 2 if kind == 'maf' else 3 * bins - 1
        self.made = MADE(d, hidden, self.m, nflows_made)
        self.norm = 1.0 if kind == 'maf' else math.sqrt(hidden)

    def _elementwise(self, x, params, inverse):
        p = params.view(-1, self.d, self.m)
        if self.kind == 'maf':
            return affine(x, p, inverse)
        return spline(x, p, self.bins, self.bound, inverse, self.norm)

    def forward(self, x):
        y, ld = self._elementwise(x, self.made(x), False)
        return y, ld.sum(1)

    def inverse(self, z):
        x = torch.zeros_like(z)
        for _ in range(self.d):
            x, ld = self._elementwise(z, self.made(x), True)
        return x, ld.sum(1)


class Coupling(nn.Module):
    """nflows' CouplingTransform with an alternating binary mask (`even`: transform features 0, 2, …)."""

    def __init__(self, kind, d, hidden, even, bins=8, bound=3.0):
        super().__init__()
        mask = torch.zeros(d, dtype=torch.bool)
        mask[0 if even else 1::2] = True
        self.t = torch.nonzero(mask)[:, 0]
        self.i = torch.nonzero(~mask)[:, 0]
        self.kind, self.bins, self.bound = kind, bins, bound
        self.m = 2 if kind == 'realnvp' else 3 * bins - 1
        self.net = mlp(len(self.i), len(self.t) * self.m, hidden)

    def _apply(self, x, inverse):
        p = self.net(x[:, self.i]).view(x.shape[0], len(self.t), self.m)
        xt = x[:, self.t]
        if self.kind == 'realnvp':
            yt, ld = affine(xt, p, inverse)
        else:
            yt, ld = spline(xt, p, self.bins, self.bound, inverse, 1.0)
        y = x.clone()
        y[:, self.t] = yt
        return y, ld.sum(1)

    def forward(self, x):
        return self._apply(x, False)

    def inverse(self, z):
        return self._apply(z, True)


class Reverse(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.register_buffer('perm', torch.arange(d - 1, -1, -1))

    def forward(self, x):
        return torch.index_select(x, 1, self.perm), None

    inverse = forward


class Flow(nn.Module):
    def __init__(self, kind, dim, layers, hidden, bins=8, bound=3.0, nflows_made=False):
        super().__init__()
        self.dim = dim
        steps = []
        for k in range(layers):
            if kind in ('maf', 'nsf-ar'):
                if k > 0:
                    steps.append(Reverse(dim))
                steps.append(Autoregressive('maf' if kind == 'maf' else 'nsf', dim, hidden, bins, bound, nflows_made))
            else:
                steps.append(Coupling('realnvp' if kind == 'realnvp' else 'nsf', dim, hidden, k % 2 == 0, bins, bound))
        self.steps = nn.ModuleList(steps)

    def log_prob(self, x):
        return chain_log_prob(self.steps, x, self.dim)

    def sample(self, n):
        z = torch.randn(n, self.dim)
        for s in reversed(self.steps):
            z, _ = s.inverse(z)
        return z


def blas_library():
    """The BLAS shared library this process mapped (Debian's torch calls whatever libblas.so.3 points to:
    the reference implementation is ~20× slower than OpenBLAS; install libopenblas0-pthread)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '.so' in line}
        return sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return []


def make(config, nflows_made):
    c = dict(CONFIGS[config])
    if c['kind'] == 'moons':
        return MoonsFlow(*c['moons'])
    return Flow(c.pop('kind'), nflows_made=nflows_made, **c)


def dense_flops_per_step(flow, batch):
    """2·B·in·out per linear layer forward (masked ones counted dense), ×3 for forward and backward."""
    return 3 * sum(2 * batch * m.in_features * m.out_features for m in flow.modules() if isinstance(m, nn.Linear))


def train_rate(flow, x, batch, warmup, blocks, block, lr=1e-3):
    marks, cpu = [], []
    for step0, loss in ml_steps(flow, x, warmup + blocks * block, batch, lr):
        step = step0 + 1
        loss.item()
        if step >= warmup and (step - warmup) % block == 0:
            marks.append(time.perf_counter())
            cpu.append(time.process_time())
    rates = [block / (b - a) for a, b in zip(marks, marks[1:])]
    cpu_rates = [block / (b - a) for a, b in zip(cpu, cpu[1:])]
    return float(np.median(rates)), float(np.median(cpu_rates)), float(loss.item())


def timed(f, runs):
    """Best wall seconds and best CPU seconds (this process, all threads) of `runs` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--config', required=True, choices=sorted(CONFIGS))
    ap.add_argument('--data', required=True, help='CSV from bench/reference/gmm-data.ts')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=512)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--blocks', type=int, default=5)
    ap.add_argument('--block', type=int, default=20)
    ap.add_argument('--logprob-rows', type=int, default=100_000)
    ap.add_argument('--sample-rows', type=int, default=10_000)
    ap.add_argument('--eval-runs', type=int, default=1)
    ap.add_argument('--nflows-made', action='store_true', help="nflows' MADE with its extra H×H linear layer")
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.tensor(np.loadtxt(args.data, delimiter=',', skiprows=1, dtype=np.float32))
    # Standardised as `fit` does (the mixture's rows already are; the moons' are not).
    x = (x - x.mean(0)) / x.std(0, unbiased=False)
    c = CONFIGS[args.config]
    if x.shape[1] != c['dim']:
        raise SystemExit(f"{args.data} has {x.shape[1]} columns, {args.config} needs {c['dim']}")
    flow = make(args.config, args.nflows_made)
    out = {
        'config': args.config,
        'reference': f'PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)',
        'threads': torch.get_num_threads(),
        'blas': blas_library(),
        'parameters': sum(p.numel() for p in flow.parameters()),
        'flopsPerStep': dense_flops_per_step(flow, args.batch),
    }
    out['stepsPerSecond'], out['stepsPerCpuSecond'], out['lastLoss'] = train_rate(flow, x, args.batch, args.warmup, args.blocks, args.block)
    flow = make(args.config, args.nflows_made)
    reps = -(-args.logprob_rows // x.shape[0])
    big = x.repeat(reps, 1)[:args.logprob_rows]
    with torch.no_grad():
        flow.log_prob(big[:1000])
        out['logProbSeconds'], out['logProbCpuSeconds'] = timed(lambda: flow.log_prob(big), args.eval_runs)
        flow.sample(100)
        out['sampleSeconds'], out['sampleCpuSeconds'] = timed(lambda: flow.sample(args.sample_rows), args.eval_runs)
    out['logProbRows'], out['sampleRows'] = args.logprob_rows, args.sample_rows
    print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
