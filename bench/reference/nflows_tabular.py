#!/usr/bin/env python3
"""
PyTorch reference for the tabular benchmark of issue 15 (bench/tabular.ts, docs/tabular-benchmark.md):
the four flow families of its "library" configuration, with the same architecture and budget as the
library's builders and `fit` defaults give, trained and tested on the same rows.

    npx tsx bench/reference/export-tabular.ts --sets synthetic-32d,synthetic-8d --seeds 1
    nice -n 10 /usr/bin/python3 bench/reference/nflows_tabular.py --sets synthetic-32d,synthetic-8d \
        [--families nsf,nsf-ar,maf,realnvp] [--seeds 1] [--dir out/reference/tabular] [--out results.json]

Prints one JSON line per run on stdout (a short line on stderr) and, with --out, all of them in one file.
Test NLL is in nats per row in data units (the standardisation's log-det added back), as bench/tabular.ts
reports it; synthetic sets add the gap per dimension to the true density on the same test rows.

Architecture: read from the JSON the export writes (`flows[seed][family].layers`): the library's own
builder output with bench/tabular.ts's options, listed from the data side, rebuilt here layer by layer:
  - SplineCoupling / AffineCoupling: the library's masks (first ceil(d/2) columns pass through, then the
    complement) and its seeded Permute layers between pairs; conditioner MLP
    n_pass -> H -> ReLU -> H -> ReLU -> n_moved * m (nflows_wide.mlp), outputs grouped per moved column;
  - MaskedAutoregressiveSpline / MaskedAutoregressiveAffine: nflows_wide.MADE (degrees 1..d, hidden
    degrees cycling 1..d-1, masks out >= in / out > in, outputs grouped per feature, the same two hidden
    layers of H), Reverse between layers;
  - affine: z = (x - t) exp(-s'), s' = 3 tanh(s / 3), params (t, s) (nflows_wide.affine);
  - splines: nflows_moons.rq_spline (K bins on [-B, B], linear tails, min bin width/height/derivative
    1e-3), applied on the density path (the library's `invert: true`), with the library's derivative
    parametrisation d = m_d + softplus(u + c), m_d + softplus(c) = 1 (c added to the raw derivative
    outputs; nflows uses softplus(u)), and widths/heights not divided by sqrt(H) (the library does not);
  - PyTorch's default initialisation (the library's `uniform`: kernel and bias U(+-1/sqrt(fan_in))), the
    conditioners' last layer zero, so every layer starts as the identity, as the library's do;
  - standard normal base.
Training: the export's `plan`, computed by the library's src/train/defaults.ts: batch min(256, n), a new
permutation of the training rows every epoch (the last partial batch dropped), Adam (lr 1e-3, betas 0.9 /
0.999, eps 1e-8), `totalSteps` steps, validation before the first step and every `validateEvery` steps and
after the last, early stopping after `patience` validations without a new best, the best validation
weights restored; standardisation per column (`u = (x - mean) / std`, population std of the float32
training rows) or whitened below 30 rows per column; where the library's default scales per column, the
full-covariance Gaussian of the training rows is the candidate it keeps, returned when it validates better.
"""
import os
import sys

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
os.environ.setdefault('OMP_NUM_THREADS', '1')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import nflows_moons  # noqa: E402
from nflows_moons import rq_spline  # noqa: E402
from nflows_wide import MADE, affine, chain_log_prob, mlp  # noqa: E402

FAMILIES = ['nsf', 'nsf-ar', 'maf', 'realnvp']
LABELS = {'nsf': 'NSF coupling', 'nsf-ar': 'NSF autoregressive', 'maf': 'MAF', 'realnvp': 'RealNVP'}
EVAL_CHUNK = 8192


def width(cfg):
    hidden = cfg['hidden']
    if len(hidden) != 2 or hidden[0] != hidden[1] or cfg.get('activation', 'relu') not in ('relu', 'elu') or cfg.get('contextDim', 0) != 0:
        raise SystemExit(f'unsupported conditioner {cfg}: two equal ReLU or ELU hidden layers, no context, expected')
    return hidden[0]


def activated(seq, cfg):
    """`seq` (an nn.Sequential of ReLU hidden layers) with the layer config's activation (the library's
    RealNVP and wide MAFs default to ELU, src/flows/options.ts affineFlowActivation)."""
    if cfg.get('activation', 'relu') == 'elu':
        for i, m in enumerate(seq):
            if isinstance(m, nn.ReLU):
                seq[i] = nn.ELU()
    return seq


def zero_last(net):
    last = [m for m in net.modules() if isinstance(m, nn.Linear)][-1]
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)


class Transformer:
    """The elementwise map on the density path, params [..., m] in the library's layout."""

    def __init__(self, cfg, spline):
        self.spline = spline
        if spline:
            for key, want in (('minBinWidth', nflows_moons.MIN_BIN), ('minBinHeight', nflows_moons.MIN_BIN), ('minDerivative', nflows_moons.MIN_DERIVATIVE), ('invert', True)):
                if cfg[key] != want:
                    raise SystemExit(f'{key} {cfg[key]}: nflows_moons.rq_spline has {want}')
            self.bins, self.bound = cfg['bins'], float(cfg['tailBound'])
            self.m = 3 * self.bins - 1
            # The library's identity-at-zero derivatives: m_d + softplus(u + c) with m_d + softplus(c) = 1.
            self.shift = math.log(math.expm1(1 - cfg['minDerivative']))
        else:
            if cfg['scale'] != 'exp' or cfg['clamp'] != 3:
                raise SystemExit(f"affine scale {cfg['scale']} clamp {cfg['clamp']}: nflows_wide.affine has exp(3 tanh(s / 3))")
            self.m = 2

    def __call__(self, x, p):
        if self.spline:
            k = self.bins
            return rq_spline(x, p[..., :k], p[..., k:2 * k], p[..., 2 * k:] + self.shift, self.bound, False)
        # The library's params are (shift, raw scale); nflows_wide.affine takes (raw scale, shift).
        return affine(x, p.flip(-1), False)


class Coupling(nn.Module):
    """The library's Coupling on the density path: `mask` 1 = passed through and fed to the conditioner."""

    def __init__(self, cfg, spline):
        super().__init__()
        mask = torch.tensor(cfg['mask'], dtype=torch.bool)
        self.register_buffer('pass_', torch.nonzero(mask)[:, 0])
        self.register_buffer('moved', torch.nonzero(~mask)[:, 0])
        self.transformer = Transformer(cfg, spline)
        self.net = activated(mlp(len(self.pass_), len(self.moved) * self.transformer.m, width(cfg)), cfg)
        zero_last(self.net)

    def forward(self, x):
        p = self.net(x[:, self.pass_]).view(x.shape[0], len(self.moved), self.transformer.m)
        z, ld = self.transformer(x[:, self.moved], p)
        y = x.clone()
        y[:, self.moved] = z
        return y, ld.sum(1)


class Autoregressive(nn.Module):
    """The library's MaskedAutoregressive on the density path (one MADE pass), ordering 0..d-1."""

    def __init__(self, cfg, spline):
        super().__init__()
        d = cfg['dim']
        if cfg['ordering'] != list(range(d)):
            raise SystemExit(f"ordering {cfg['ordering']}: only the default ordering is mirrored")
        self.d = d
        self.transformer = Transformer(cfg, spline)
        self.made = MADE(d, width(cfg), self.transformer.m)
        activated(self.made.net, cfg)
        zero_last(self.made)

    def forward(self, x):
        z, ld = self.transformer(x, self.made(x).view(-1, self.d, self.transformer.m))
        return z, ld.sum(1)


class Permute(nn.Module):
    """The library's Permute (forward y[:, i] = x[:, perm[i]]) on the density path: its inverse."""

    def __init__(self, cfg):
        super().__init__()
        perm = cfg['permutation']
        inverse = [0] * len(perm)
        for i, p in enumerate(perm):
            inverse[p] = i
        self.register_buffer('index', torch.tensor(inverse))

    def forward(self, x):
        return x[:, self.index], None


class Reverse(nn.Module):
    def forward(self, x):
        return x.flip(1), None


LAYERS = {
    'SplineCoupling': lambda c: Coupling(c, True),
    'AffineCoupling': lambda c: Coupling(c, False),
    'MaskedAutoregressiveSpline': lambda c: Autoregressive(c, True),
    'MaskedAutoregressiveAffine': lambda c: Autoregressive(c, False),
    'Permute': Permute,
    'Reverse': lambda c: Reverse(),
}


class Flow(nn.Module):
    """Standard normal base, layers listed from the data side (the library's Chain order)."""

    def __init__(self, spec, dim):
        super().__init__()
        if spec['base'] != 'StandardNormal':
            raise SystemExit(f"base {spec['base']}: only StandardNormal is mirrored")
        unknown = sorted({l['className'] for l in spec['layers']} - set(LAYERS))
        if unknown:
            raise SystemExit(f'layers {unknown} are not mirrored')
        self.dim = dim
        self.steps = nn.ModuleList(LAYERS[l['className']](l['config']) for l in spec['layers'])

    def log_prob(self, u):
        return chain_log_prob(self.steps, u, self.dim)


class Standardizer:
    """`u = C^-1 ((x - mean) / std)` (C = I per column); `log_det` = -sum log std - sum log C_ii."""

    def __init__(self, x, mode):
        v = x.double().numpy()
        mean = v.mean(0)
        cov = (v - mean).T @ (v - mean) / v.shape[0]
        std = np.sqrt(np.diag(cov))
        self.mean, self.std = torch.tensor(mean, dtype=torch.float32), torch.tensor(std, dtype=torch.float32)
        self.log_det = -float(np.log(std).sum())
        self.tril_inv = None
        if mode == 'whiten':
            c = np.linalg.cholesky(cov / np.outer(std, std))
            self.tril_inv = torch.tensor(np.linalg.inv(c), dtype=torch.float32)
            self.log_det -= float(np.log(np.diag(c)).sum())
        elif mode != 'columns':
            raise SystemExit(f'standardize {mode}: columns or whiten expected')

    def __call__(self, x):
        u = (x - self.mean) / self.std
        return u if self.tril_inv is None else u @ self.tril_inv.T


def gaussian_nll(train, rows):
    """Mean NLL of `rows` under the full-covariance Gaussian of `train` (ML covariance), float64."""
    t, r = train.double().numpy(), rows.double().numpy()
    mean = t.mean(0)
    cov = (t - mean).T @ (t - mean) / t.shape[0]
    L = np.linalg.cholesky(cov)
    w = np.linalg.solve(L, (r - mean).T)
    d = t.shape[1]
    return float(np.mean(0.5 * (w ** 2).sum(0)) + np.log(np.diag(L)).sum() + 0.5 * d * math.log(2 * math.pi))


def row_nll(flow, std, x):
    """NLL of each row in data units (float32 log-densities, as float64), in chunks."""
    with torch.no_grad():
        lp = torch.cat([flow.log_prob(std(x[i:i + EVAL_CHUNK])) for i in range(0, x.shape[0], EVAL_CHUNK)])
    return -(lp.double() + std.log_det)


def mean_nll(flow, std, x):
    """Mean NLL in data units, summed in float64 (as the library's meanNll)."""
    return row_nll(flow, std, x).mean().item()


def train(flow, std, xtr, xva, plan, seed):
    """`fit`'s loop with its defaults (src/train/loop.ts, src/train/fit-data.ts' MemoryBatches)."""
    gen = torch.Generator().manual_seed(seed)
    a = plan['adam']
    opt = torch.optim.Adam(flow.parameters(), lr=plan['learningRate'], betas=(a['beta1'], a['beta2']), eps=a['epsilon'])
    n, batch, total = xtr.shape[0], plan['batchSize'], plan['totalSteps']
    per_epoch = n // batch
    u_train = std(xtr)
    state = {'best': math.inf, 'best_step': None, 'since': 0, 'weights': None, 'last': -1, 'validation': []}

    def evaluate(step):
        v = mean_nll(flow, std, xva)
        state['validation'].append((step, v))
        state['last'] = step
        if v < state['best']:
            state.update(best=v, best_step=step, since=0, weights=copy.deepcopy(flow.state_dict()))
        else:
            state['since'] += 1

    evaluate(0)
    step, pos, epochs, stop = 0, 0, 0, 'completed'
    order = None
    while step < total:
        if pos == 0:
            order = torch.randperm(n, generator=gen)
        xb = u_train[order[pos * batch:(pos + 1) * batch]]
        pos = (pos + 1) % per_epoch
        loss = -flow.log_prob(xb).mean()
        opt.zero_grad()
        loss.backward()
        if not torch.isfinite(loss) or not all(torch.isfinite(p.grad).all() for p in flow.parameters() if p.grad is not None):
            stop = f'non-finite at step {step + 1}'
            break
        opt.step()
        step += 1
        if pos == 0:
            epochs += 1
        if step % plan['validateEvery'] == 0 or step == total:
            evaluate(step)
        if plan['patience'] is not None and state['since'] >= plan['patience']:
            stop = 'early-stopping'
            break
    if step > 0 and state['last'] != step:
        evaluate(step)
    restored = state['best_step'] != step
    if restored:
        flow.load_state_dict(state['weights'])
    return {'steps': step, 'epochs': epochs, 'stopReason': stop, 'restoredBest': restored, 'bestStep': state['best_step'], 'bestValidation': state['best'],
            'validationHistory': [[s, round(v, 4)] for s, v in state['validation']]}


def load(path):
    return torch.tensor(np.loadtxt(path, delimiter=',', skiprows=1, dtype=np.float32, ndmin=2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--sets', default='synthetic-32d,synthetic-8d')
    ap.add_argument('--families', default=','.join(FAMILIES))
    ap.add_argument('--seeds', default='1')
    ap.add_argument('--dir', default='out/reference/tabular', help='where export-tabular.ts wrote the splits')
    ap.add_argument('--out', default=None, help='also write all results to this JSON file')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    families = args.families.split(',')
    if any(f not in FAMILIES for f in families):
        raise SystemExit(f"--families: expected a list of {', '.join(FAMILIES)}; got {args.families}")
    results = []
    for name in args.sets.split(','):
        with open(os.path.join(args.dir, f'{name}.json')) as f:
            doc = json.load(f)
        xtr, xva, xte = (load(os.path.join(args.dir, f'{name}-{part}.csv')) for part in ('train', 'validation', 'test'))
        dim, plan = doc['dim'], doc['plan']
        if xtr.shape != (doc['rows']['train'], dim) or xte.shape[0] != doc['rows']['test']:
            raise SystemExit(f'{name}: the CSVs do not match {name}.json')
        gaussian_val = gaussian_nll(xtr, xva) if plan['gaussianCandidate'] else None
        for seed in (int(s) for s in args.seeds.split(',')):
            specs = doc['flows'].get(str(seed))
            if specs is None:
                raise SystemExit(f'{name}: no layers for seed {seed} (export with --seeds {seed})')
            for family in families:
                torch.manual_seed(seed)
                flow = Flow(specs[family], dim)
                std = Standardizer(xtr, plan['standardize'])
                t0 = time.perf_counter()
                r = train(flow, std, xtr, xva, plan, seed)
                seconds = time.perf_counter() - t0
                rows = row_nll(flow, std, xte)
                test, validation = rows.mean().item(), mean_nll(flow, std, xva)
                # A mean over test rows can hang on one far-out row (MAF's affine tails): the worst three, and the median.
                r['testWorstRows'] = [round(v, 1) for v in rows.sort(descending=True).values[:3].tolist()]
                r['testMedian'] = round(rows.median().item(), 4)
                if gaussian_val is not None and gaussian_val < r['bestValidation']:
                    # fit's Gaussian candidate validated better: it is the result.
                    r['gaussianFallback'] = {'flowLoss': r['bestValidation'], 'gaussianLoss': gaussian_val}
                    test, validation = gaussian_nll(xtr, xte), gaussian_val
                    del r['testWorstRows'], r['testMedian']
                out = {'set': name, 'family': family, 'seed': seed, 'test': round(test, 4), 'validation': round(validation, 4), **r,
                       'bestValidation': round(r['bestValidation'], 4), 'seconds': round(seconds, 1),
                       'parameters': sum(p.numel() for p in flow.parameters()),
                       'minusGaussian': round(test - doc['gaussian']['test'], 4)}
                if 'truth' in doc:
                    out['gapPerDim'] = round((test - doc['truth']['testNll']) / dim, 4)
                results.append(out)
                print(json.dumps(out), flush=True)
                gap = f", gap/dim {out['gapPerDim']:.4f}" if 'gapPerDim' in out else ''
                print(f"{name} seed {seed} {LABELS[family]:<19} test {test:.4f} (Gaussian {test - doc['gaussian']['test']:+.3f}{gap}) "
                      f"{r['steps']} steps, best {r['bestStep']}, {r['stopReason']}, {seconds:.0f} s", file=sys.stderr, flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({'reference': f'PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)', 'results': results}, f, indent=2)
            f.write('\n')


if __name__ == '__main__':
    main()
