#!/usr/bin/env python3
"""
PyTorch reference for the quality bar (issue 4) and the speed bar (issue 8), run side by side with
our benchmarks on the same machine and the same data.

It rebuilds, in plain PyTorch, the two models of those issues as nflows builds them, so that no
package beyond Debian's python3-torch (1.13, the version the issues quote) is needed:
  - RealNVP: 8 affine couplings, MLP 1→64→64→2, scale exp(3 tanh(s / 3)) as in our AffineCoupling
    (nflows' AffineCouplingTransform scale sigmoid(s + 2) + 1e-3 cannot expand on the density path and
    stops at a test NLL of about 2.06 here);
  - NSF: 4 rational-quadratic spline couplings, 8 bins, tail bound 5, linear tails, MLP 1→64→64→23,
    min bin width/height/derivative 1e-3, boundary derivatives 1 (nflows' padding constant),
    widths and heights not rescaled (nflows' MLP has no `hidden_features`);
with nflows' alternating masks (layer 0 transforms feature 0), nflows' direction (the couplings map
data → noise on the density path) and PyTorch's default initialisation everywhere.

Training follows the issue: standardise with the training mean and std, batch 256 (reshuffled every
epoch), Adam 1e-3 (PyTorch defaults otherwise), 3000 steps, no schedule, one thread.

    /usr/bin/python3 bench/reference/nflows_moons.py --train out/reference/moons-train.csv \
        --test out/reference/moons-test.csv --seeds 3,4,5 [--flows nsf,realnvp] [--speed | --speed-only]

The CSVs come from `npx tsx bench/reference/export-moons.ts` (our datasets.moons, the same points our
quality benchmark uses). Prints JSON: test NLL in standardised units per flow and seed, and with
--speed the training steps/s (median of timed blocks), logProb and sample of 100,000 points.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

MIN_BIN = 1e-3
MIN_DERIVATIVE = 1e-3


def mlp(n_in, n_out, hidden=(64, 64)):
    """nflows.nn.nets.MLP: Linear layers with ReLU between them, PyTorch's default initialisation."""
    layers, d = [], n_in
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU()]
        d = h
    layers.append(nn.Linear(d, n_out))
    return nn.Sequential(*layers)


def knots(unnormalised, bound, minimum):
    """Bin sizes from unnormalised values: softmax, floor `minimum`, cumulative knots on [-B, B]."""
    k = unnormalised.shape[-1]
    sizes = minimum + (1 - minimum * k) * F.softmax(unnormalised, dim=-1)
    cum = F.pad(torch.cumsum(sizes, dim=-1), (1, 0), value=0.0)
    cum = 2 * bound * cum - bound
    cum[..., 0] = -bound
    cum[..., -1] = bound
    return cum, cum[..., 1:] - cum[..., :-1]


def rq_spline(x, uw, uh, ud, bound, inverse):
    """Rational-quadratic spline with linear tails (Durkan et al. 2019), elementwise.

    Forward: y = RQS(x), log dy/dx. Inverse: x = RQS^-1(y) by the quadratic's stable root, log dx/dy.
    """
    out = x.clone()
    logdet = torch.zeros_like(x)
    inside = (x >= -bound) & (x <= bound)
    if not inside.any():
        return out, logdet
    v, uw, uh, ud = x[inside], uw[inside], uh[inside], ud[inside]
    cw, w = knots(uw, bound, MIN_BIN)
    ch, h = knots(uh, bound, MIN_BIN)
    # Boundary derivatives are 1: softplus(c) = 1 - min_derivative.
    c = math.log(math.expm1(1 - MIN_DERIVATIVE))
    d = MIN_DERIVATIVE + F.softplus(F.pad(ud, (1, 1), value=c))

    locations = (ch if inverse else cw).clone()
    locations[..., -1] += 1e-6
    k = (torch.sum(v[..., None] >= locations, dim=-1) - 1).clamp(0, uw.shape[-1] - 1)[..., None]
    xk, wk = cw.gather(-1, k)[..., 0], w.gather(-1, k)[..., 0]
    yk, hk = ch.gather(-1, k)[..., 0], h.gather(-1, k)[..., 0]
    dk, dk1 = d.gather(-1, k)[..., 0], d[..., 1:].gather(-1, k)[..., 0]
    s = hk / wk
    if inverse:
        dy = v - yk
        a = hk * (s - dk) + dy * (dk1 + dk - 2 * s)
        b = hk * dk - dy * (dk1 + dk - 2 * s)
        cc = -s * dy
        disc = (b.pow(2) - 4 * a * cc).clamp_min(0)
        theta = (2 * cc) / (-b - torch.sqrt(disc))
        out[inside] = theta * wk + xk
    else:
        theta = (v - xk) / wk
    tt = theta * (1 - theta)
    den = s + (dk1 + dk - 2 * s) * tt
    if not inverse:
        out[inside] = yk + hk * (s * theta.pow(2) + dk * tt) / den
    dnum = s.pow(2) * (dk1 * theta.pow(2) + 2 * s * tt + dk * (1 - theta).pow(2))
    ld = torch.log(dnum) - 2 * torch.log(den)
    logdet[inside] = -ld if inverse else ld
    return out, logdet


class Coupling(nn.Module):
    """nflows-style coupling on 2 features: `transform` is the feature changed, the other conditions it."""

    def __init__(self, transform, kind, bins=8, bound=5.0):
        super().__init__()
        self.t, self.i = transform, 1 - transform
        self.kind, self.bins, self.bound = kind, bins, bound
        self.net = mlp(1, 2 if kind == 'affine' else 3 * bins - 1)

    def _apply(self, x, inverse):
        p = self.net(x[:, self.i:self.i + 1])
        xt = x[:, self.t]
        if self.kind == 'affine':
            # Log-scale soft-clamped to ±3, as our AffineTransformer's default (nflows' sigmoid(s + 2) + 1e-3
            # only contracts on the density path, which caps p(x) at 1/2π: test NLL ≥ 1.84 on moons).
            shift, log_scale = p[:, 0], 3 * torch.tanh(p[:, 1] / 3)
            yt = (xt - shift) * torch.exp(-log_scale) if inverse else xt * torch.exp(log_scale) + shift
            ld = -log_scale if inverse else log_scale
        else:
            k = self.bins
            yt, ld = rq_spline(xt, p[:, :k], p[:, k:2 * k], p[:, 2 * k:], self.bound, inverse)
        y = x.clone()
        y[:, self.t] = yt
        return y, ld

    def forward(self, x):  # data → noise (the density direction, nflows' forward)
        return self._apply(x, False)

    def inverse(self, z):  # noise → data
        return self._apply(z, True)


class Flow(nn.Module):
    def __init__(self, kind, layers):
        super().__init__()
        # nflows' create_alternating_binary_mask(2, even=(i % 2 == 0)): layer 0 transforms feature 0.
        self.layers = nn.ModuleList(Coupling(i % 2, kind) for i in range(layers))

    def log_prob(self, x):
        total = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            total = total + ld
        return total - 0.5 * (x.pow(2).sum(1) + 2 * math.log(2 * math.pi))

    def sample(self, n):
        z = torch.randn(n, 2)
        for layer in reversed(self.layers):
            z, _ = layer.inverse(z)
        return z


FLOWS = {'realnvp': ('affine', 8), 'nsf': ('spline', 4)}


def load(path):
    return torch.tensor(np.loadtxt(path, delimiter=',', skiprows=1, dtype=np.float32))


def ml_steps(flow, x, steps, batch=256, lr=1e-3):
    """Adam steps of maximum likelihood on minibatches of x, reshuffled whenever the rows run out;
    yields (step, loss) after each update, steps counted from 0. Shared by the wide reference."""
    opt = torch.optim.Adam(flow.parameters(), lr=lr)
    order, pos = torch.randperm(x.shape[0]), 0
    for step in range(steps):
        if pos + batch > x.shape[0]:
            order, pos = torch.randperm(x.shape[0]), 0
        xb = x[order[pos:pos + batch]]
        pos += batch
        loss = -flow.log_prob(xb).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        yield step, loss


def train(kind, layers, x, seed, steps=3000, batch=256, lr=1e-3, on_step=None):
    torch.manual_seed(seed)
    flow = Flow(kind, layers)
    for step, _ in ml_steps(flow, x, steps, batch, lr):
        if on_step:
            on_step(step)
    return flow


def speed(kind, layers, x, blocks=5, block=100, warmup=50):
    times = []
    marks = {}

    def on_step(step):
        if step == warmup + len(marks) * block:
            marks[step] = time.perf_counter()

    train(kind, layers, x, 0, steps=warmup + blocks * block + 1, on_step=on_step)
    t = sorted(marks.values())
    times = [b - a for a, b in zip(t, t[1:])]
    flow = Flow(kind, layers)
    big = x.repeat(5, 1)[:100000]
    with torch.no_grad():
        flow.log_prob(big[:1000])
        t0 = time.perf_counter()
        flow.log_prob(big)
        t1 = time.perf_counter()
        flow.sample(100000)
        t2 = time.perf_counter()
    return {'stepsPerSecond': round(block / float(np.median(times)), 1), 'logProb100kSeconds': round(t1 - t0, 3), 'sample100kSeconds': round(t2 - t1, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', required=True)
    ap.add_argument('--seeds', default='3')
    ap.add_argument('--flows', default='realnvp,nsf')
    ap.add_argument('--steps', type=int, default=3000)
    ap.add_argument('--speed', action='store_true', help='also time training steps, logProb and sample')
    ap.add_argument('--speed-only', action='store_true', help='only the timings (no 3000-step runs)')
    args = ap.parse_args()
    torch.set_num_threads(1)
    raw_train, raw_test = load(args.train), load(args.test)
    mean, std = raw_train.mean(0), raw_train.std(0, unbiased=False)
    xtr, xte = (raw_train - mean) / std, (raw_test - mean) / std
    results = []
    for name in args.flows.split(','):
        kind, layers = FLOWS[name]
        for seed in [] if args.speed_only else [int(s) for s in args.seeds.split(',')]:
            start = time.perf_counter()
            flow = train(kind, layers, xtr, seed, steps=args.steps)
            with torch.no_grad():
                nll = -flow.log_prob(xte).mean().item()
            results.append({'flow': name, 'seed': seed, 'testNll': round(nll, 4), 'trainSeconds': round(time.perf_counter() - start, 1)})
            print(json.dumps(results[-1]), flush=True)
        if args.speed or args.speed_only:
            results.append({'flow': name, 'speed': speed(kind, layers, xtr)})
            print(json.dumps(results[-1]), flush=True)
    print(json.dumps({'reference': 'PyTorch ' + torch.__version__ + ', 1 thread', 'results': results}, indent=2))


if __name__ == '__main__':
    main()
