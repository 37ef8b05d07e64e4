"""Reference values for the statistics tests, computed by scipy, numpy and scikit-learn (the
implementations ctrain's statistics, drift bins and model metrics port and must agree with). Not run by npm test: the values are committed in
test/fixtures/statistics-reference.json, and this script regenerates them in a throwaway venv:

    python3 -m venv /tmp/scipy && /tmp/scipy/bin/pip install scipy scikit-learn mpmath
    /tmp/scipy/bin/python scripts/statistics-reference.py > test/fixtures/statistics-reference.json

The grids are dense around each switch between algorithms, so a changed constant or bound in
the port moves some value off scipy's.
"""
import json
import math
import sys

import mpmath
import numpy
import scipy
from scipy import special, stats
from scipy.spatial import distance
from sklearn import metrics


mpmath.mp.dps = 30


def sample(n, a, scale=1.0, shift=0.0):
    """The deterministic sequence the TypeScript tests rebuild bit for bit: ((i·a) mod 1)·scale + shift."""
    return [((i * a) % 1) * scale + shift for i in range(1, n + 1)]


PHI = 0.6180339887498949
PLASTIC = 0.7548776662466927
SQRT2 = 0.41421356237309515


def kstwo_points():
    sizes = [1, 2, 3, 4, 5, 7, 10, 16, 25, 40, 64, 100, 139, 140, 141, 200, 400, 1000, 2500, 6667, 20000, 100001]
    shares = [0.0005, 0.002, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.99]
    points = set()
    for n in sizes:
        for d in shares:
            points.add((n, d))
        # Around n·d = 1/2 and 1, n·d = n − 1, n·d² = 0.754693, 4, 2.2 and 370, and n·d^1.5 = 1.4.
        for t in (0.45, 0.5, 0.55, 0.8, 1.0, 1.2, 1.7):
            if t / n < 1:
                points.add((n, t / n))
        if n > 2:
            points.add((n, (n - 1) / n))
            points.add((n, (n - 1.2) / n))
        for nd2 in (0.5, 0.75, 0.76, 1.5, 2.1, 2.3, 3.9, 4.1, 8, 369, 371):
            d = math.sqrt(nd2 / n)
            if d < 1:
                points.add((n, d))
        for c in (1.3, 1.5):
            d = (c / n) ** (2 / 3)
            if d < 1:
                points.add((n, d))
    return sorted(points)


def smirnov_points():
    sizes = [1, 2, 3, 5, 9, 10, 11, 20, 50, 100, 333, 1000, 5000, 100000, 1000001, 3000000]
    shares = [0.0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.999, 1.0]
    points = set()
    for n in sizes:
        for x in shares:
            points.add((n, x))
        for t in (0.5, 1.0, 1.5, 2.0, 3.0, n - 3, n - 2, n - 1.5, n - 1, n - 0.5):
            if 0 < t < n:
                points.add((n, t / n))
        for c in (0.3, 0.5, 0.6):
            points.add((n, c / math.sqrt(n)))
    # The largest n whose series is still summed (a full grid there costs too much).
    points.add((1000000, 0.01))
    return sorted(points)


def gamma_points():
    shapes = [0.05, 0.5, 1.0, 1.5, 2.0, 3.5, 10.0, 49.5, 200.0, 1500.0]
    return [(a, x) for a in shapes for x in sorted({0.001, 0.1, 0.5, 1.0, a * 0.5, a, a + 0.5, a + 1.0, a + 2.0, a * 2 + 3, a * 4 + 20})]


def build(recipe):
    """A sample from its recipe: literal values, or sample(n, a, scale, shift) cut into integer buckets when asked."""
    if 'values' in recipe:
        return recipe['values']
    values = sample(recipe['n'], recipe['a'], recipe.get('scale', 1.0), recipe.get('shift', 0.0))
    if recipe.get('reversed'):
        values = list(reversed(values))
    return [int(v * recipe['buckets']) for v in values] if 'buckets' in recipe else values


def ks_2samp_cases():
    cases = []
    pairs = [
        ('8 against 10', {'n': 8, 'a': PHI, 'scale': 3, 'shift': -1}, {'n': 10, 'a': PLASTIC, 'scale': 3}),
        ('10 against 10', {'n': 10, 'a': PHI, 'scale': 3, 'shift': -1}, {'n': 10, 'a': PLASTIC, 'scale': 3}),
        ('25 against 25, shifted', {'n': 25, 'a': PHI}, {'n': 25, 'a': PLASTIC, 'shift': 0.2}),
        ('40 against 60 (common factor)', {'n': 40, 'a': PHI}, {'n': 60, 'a': SQRT2, 'shift': 0.1}),
        ('7 against 13 (coprime)', {'n': 7, 'a': PHI}, {'n': 13, 'a': PLASTIC, 'shift': 0.3}),
        ('5 against 200, far apart', {'n': 5, 'a': PHI, 'shift': 0.9}, {'n': 200, 'a': PLASTIC}),
        ('200 against 5, far apart', {'n': 200, 'a': PLASTIC}, {'n': 5, 'a': PHI, 'shift': 0.9}),
        ('ties within and across', {'n': 30, 'a': PHI, 'buckets': 6}, {'n': 45, 'a': PLASTIC, 'shift': 0.1, 'buckets': 6}),
        ('equal sizes, ties', {'n': 50, 'a': PHI, 'buckets': 4}, {'n': 50, 'a': SQRT2, 'shift': 0.05, 'buckets': 4}),
        ('one value each', {'values': [1.0]}, {'values': [2.0]}),
        ('identical', {'n': 12, 'a': PHI}, {'n': 12, 'a': PHI, 'reversed': True}),
        ('300 against 200, second to the left', {'n': 300, 'a': PHI, 'shift': 0.2}, {'n': 200, 'a': PLASTIC}),
        ('1500 against 1000', {'n': 1500, 'a': PHI}, {'n': 1000, 'a': PLASTIC, 'scale': 1.02}),
        ('10000 against 9999', {'n': 10000, 'a': PHI}, {'n': 9999, 'a': PLASTIC, 'shift': 0.01}),
        ('10001 against 500 (asymp)', {'n': 10001, 'a': PHI}, {'n': 500, 'a': PLASTIC, 'shift': 0.03}),
        ('20000 against 20000 (asymp)', {'n': 20000, 'a': PHI}, {'n': 20000, 'a': SQRT2, 'shift': 0.004}),
    ]
    for name, first, second in pairs:
        for method in ('auto', 'exact', 'asymp'):
            if method == 'exact' and len(build(first)) + len(build(second)) > 12000:
                continue
            result = stats.ks_2samp(build(first), build(second), method=method)
            cases.append({
                'name': name,
                'method': method,
                'first': first,
                'second': second,
                'statistic': float(result.statistic),
                'pValue': float(result.pvalue),
                'location': float(result.statistic_location),
                'sign': int(result.statistic_sign),
            })
    return cases


def chi_square_cases():
    cases = []
    for observed, expected, ddof in [
        ([10, 20, 30], [20, 20, 20], 0),
        ([10, 20, 30], [20, 20, 20], 1),
        ([5, 5], [4, 6], 0),
        ([100, 0, 50, 50], [50, 50, 50, 50], 0),
        ([1, 2, 3, 4, 5, 6, 7, 8], [4.5] * 8, 2),
    ]:
        result = stats.chisquare(observed, expected, ddof=ddof)
        cases.append({'observed': observed, 'expected': expected, 'ddof': ddof, 'statistic': float(result.statistic), 'pValue': float(result.pvalue)})
    return cases


def jensen_shannon_cases():
    cases = []
    for p, q in [([1, 0], [0, 1]), ([1, 1], [1, 1]), ([3, 1, 0, 2], [1, 1, 1, 1]), ([0.2, 0.8], [0.5, 0.5]), ([10, 30, 60], [60, 30, 10])]:
        cases.append({'p': p, 'q': q, 'divergence': float(distance.jensenshannon(p, q, base=2) ** 2)})
    return cases


def binary_cases():
    """Scores from one sequence and labels drawn against them from another, so the model is informative but wrong at times."""
    cases = []
    for n, a, b, buckets, threshold in [(40, PHI, PLASTIC, None, 0.5), (300, PLASTIC, SQRT2, 10, 0.5), (301, SQRT2, PHI, 4, 0.3), (25, PHI, SQRT2, 2, 0.75), (12, PLASTIC, PHI, None, 0.9)]:
        raw = sample(n, a, 0.98, 0.01)
        scores = [round(v * buckets) / buckets * 0.98 + 0.01 for v in raw] if buckets else raw
        labels = [1 if u < s else 0 for u, s in zip(sample(n, b), scores)]
        predicted = [1 if s >= threshold else 0 for s in scores]
        cases.append({
            'labels': labels,
            'scores': scores,
            'threshold': threshold,
            'auc': float(metrics.roc_auc_score(labels, scores)),
            'accuracy': float(metrics.accuracy_score(labels, predicted)),
            'precision': float(metrics.precision_score(labels, predicted, zero_division=0)),
            'recall': float(metrics.recall_score(labels, predicted, zero_division=0)),
            'f1': float(metrics.f1_score(labels, predicted, zero_division=0)),
            'logLoss': float(metrics.log_loss(labels, scores)),
        })
    return cases


def regression_cases():
    cases = []
    for n, a, b, noise in [(30, PHI, PLASTIC, 0.3), (200, PLASTIC, SQRT2, 2.0), (7, SQRT2, PHI, 0.01)]:
        labels = sample(n, a, 10, -3)
        predictions = [y + (e - 0.5) * noise for y, e in zip(labels, sample(n, b))]
        cases.append({
            'labels': labels,
            'predictions': predictions,
            'rmse': float(math.sqrt(metrics.mean_squared_error(labels, predictions))),
            'mae': float(metrics.mean_absolute_error(labels, predictions)),
            'r2': float(metrics.r2_score(labels, predictions)),
        })
    return cases


def quantile_bin_cases():
    """Interior edges at the quantiles 1/bins … (bins−1)/bins, repeated edges dropped, as drift references keep them."""
    cases = []
    for recipe, bins in [({'n': 1000, 'a': PHI, 'scale': 50}, 10), ({'n': 37, 'a': PLASTIC}, 4), ({'n': 101, 'a': SQRT2, 'buckets': 3}, 10), ({'n': 9, 'a': PHI}, 20), ({'values': [5.0]}, 10), ({'n': 64, 'a': PHI, 'scale': 1e-3, 'shift': 1e6}, 7)]:
        values = build(recipe)
        edges = []
        for q in numpy.quantile(numpy.array(values, dtype=float), [i / bins for i in range(1, bins)]):
            if not edges or q > edges[-1]:
                edges.append(float(q))
        cases.append({'values': recipe, 'bins': bins, 'edges': edges})
    return cases


def without_nan(value):
    """JSON has no NaN: write null, which the tests read back as NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [without_nan(v) for v in value]
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    return value


json.dump(
    without_nan({
        'generatedBy': f'scripts/statistics-reference.py with scipy {scipy.__version__}, numpy {numpy.__version__}',
        'kstwoSf': [[n, d, float(stats.kstwo.sf(d, n))] for n, d in kstwo_points()],
        'smirnov': [[n, x, float(special.smirnov(n, x))] for n, x in smirnov_points()],
        'gamma': [[a, x, float(special.gammainc(a, x)), float(special.gammaincc(a, x))] for a, x in gamma_points()],
        # ln(n!/nⁿ) at 30 digits: in doubles, lgamma(n + 1) − n·ln n cancels most of them.
        'logFactorialOverPower': [[n, float(mpmath.loggamma(n + 1) - n * mpmath.log(n))] for n in (141, 200, 1000, 12345, 10**5, 10**6)],
        'logGamma': [[x, float(special.gammaln(x))] for x in (0.01, 0.1, 0.3, 0.49, 0.5, 0.51, 1, 1.5, 2, 3.7, 10, 171.5, 1e4)],
        'chiSquareSf': [[s, df, float(stats.chi2.sf(s, df))] for df in (1, 2, 3, 7, 30, 99) for s in (0.01, 0.5, 1, df, 2 * df + 5, 5 * df + 40)],
        'normalSf': [[z, float(stats.norm.sf(z))] for z in (-6, -3.5, -1.96, -1, -0.1, 0, 0.1, 1, 1.6448536269514722, 1.959963984540054, 3.5, 8)],
        'chiSquare': chi_square_cases(),
        'jensenShannon': jensen_shannon_cases(),
        'ks2samp': ks_2samp_cases(),
        'binaryMetrics': binary_cases(),
        'regressionMetrics': regression_cases(),
        'quantileBins': quantile_bin_cases(),
    }),
    sys.stdout,
    allow_nan=False,
    separators=(',', ':'),
)
sys.stdout.write('\n')
