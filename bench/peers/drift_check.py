"""The drift check's statistics in pandas and scipy, as a data scientist would write them: read
the reference rows and their scores (Parquet) and the logged live rows (JSON Lines, through
pyarrow), then per numeric feature and for the scores: decile bins of the reference, PSI over
them, and the KS test against a 10,000-value sample of the reference; per categorical feature:
the 1,000 most frequent reference categories (the rest pooled, unseen and missing buckets), PSI,
chi-square and Jensen-Shannon. Prints the seconds, peak resident memory and each PSI."""
import json, resource, sys, time
import numpy as np
import pandas as pd
import pyarrow.json as pj
import pyarrow.parquet as pq
from scipy import stats
from scipy.spatial import distance

reference_path, live_path = sys.argv[1], sys.argv[2]
numeric, categorical = sys.argv[3].split(","), sys.argv[4].split(",")
EPSILON = 1e-4

def psi(r, c):
    r, c = np.maximum(r, EPSILON), np.maximum(c, EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))

def numeric_drift(reference, live, seed=20240607):
    present = reference.dropna().to_numpy()
    edges = np.unique(np.quantile(present, np.arange(1, 10) / 10))
    shares = lambda values: np.append(np.bincount(np.searchsorted(edges, values.dropna().to_numpy(), side="left"), minlength=len(edges) + 1), values.isna().sum()) / len(values)
    sample = np.sort(np.random.default_rng(seed).choice(present, size=min(10_000, len(present)), replace=False))
    ks = stats.ks_2samp(sample, live.dropna().to_numpy())
    return {"psi": psi(shares(reference), shares(live)), "ks": ks.pvalue}

def categorical_drift(reference, live):
    counts = reference.value_counts()
    kept = counts.index[:1000]
    ref = np.append(counts.iloc[:1000].to_numpy(), [counts.iloc[1000:].sum(), reference.isna().sum()])
    live_counts = live.value_counts()
    seen = live_counts.reindex(kept, fill_value=0).to_numpy()
    cur = np.append(seen, [live_counts.sum() - seen.sum(), live.isna().sum()])
    keep = (ref > 0) | (cur > 0)
    expected = np.maximum(ref[keep] / ref.sum(), EPSILON)
    chi = stats.chisquare(cur[keep], expected / expected.sum() * cur[keep].sum())
    return {"psi": psi(ref / ref.sum(), cur / cur.sum()), "chi": chi.pvalue, "js": distance.jensenshannon(ref, cur, base=2) ** 2}

started = time.perf_counter()
reference = pq.read_table(reference_path, columns=numeric + categorical + ["score"]).to_pandas()
live = pj.read_json(live_path).flatten().to_pandas()
live = live.rename(columns={f"input.{name}": name for name in numeric + categorical})
read = time.perf_counter()
results = {name: numeric_drift(reference[name], live[name]) for name in numeric}
results.update({name: categorical_drift(reference[name].replace("", None), live[name].replace("", None)) for name in categorical})
results["prediction"] = numeric_drift(reference["score"], live["score"])
done = time.perf_counter()
print(json.dumps({
    "seconds": done - started, "phases": {"read": read - started, "statistics": done - read},
    "liveRows": len(live), "psi": {name: result["psi"] for name, result in results.items()},
    "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
