"""The data steps in pandas, as a data scientist would write them: read the first N flights from
Parquet (pyarrow), describe every column, derive hour and day of week, standardise the numbers,
one-hot the 50 busiest airports per side, and build the float32 feature matrix and labels.
Prints rows per second and peak resident memory."""
import json, resource, sys, time
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

path, limit = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
batches, taken = [], 0
for batch in pq.ParquetFile(path).iter_batches(batch_size=65536):
    batches.append(batch.slice(0, limit - taken))
    taken += batches[-1].num_rows
    if taken >= limit:
        break
frame = pa.Table.from_batches(batches).to_pandas()
read = time.perf_counter()
frame.describe(include="all")
described = time.perf_counter()
frame["hour"] = frame["date"].dt.hour
frame["dayOfWeek"] = frame["date"].dt.day_of_week
numeric = frame[["distance", "hour", "dayOfWeek"]].astype("float64")
numeric = (numeric - numeric.mean()) / numeric.std(ddof=0)
parts = [numeric]
for column in ["origin", "destination"]:
    top = frame[column].value_counts().index[:50]
    parts.append(pd.get_dummies(frame[column].where(frame[column].isin(top), "__other__"), prefix=column, dtype="float32"))
features = pd.concat(parts, axis=1).to_numpy(dtype=np.float32)
labels = (frame["delay"] > 15).to_numpy(dtype=np.float32)
done = time.perf_counter()
print(json.dumps({
    "rows": len(frame), "width": features.shape[1], "seconds": done - started,
    "phases": {"read": read - started, "describe": described - read, "transform": done - described},
    "rowsPerSecond": len(frame) / (done - started),
    "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
