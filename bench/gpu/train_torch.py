"""The GPU benchmark's peer: the same MLP as bench/gpu/runner.ts trains with TensorFlow.js, in
PyTorch, on CUDA or on the CPU. Same rows, features, layers, Adam, batch and timing rule (warm-up
steps untimed, then steps until the seconds have passed, the loss read back every step as the
tfjs runner does). The data is drawn by numpy with the runner's rule (uniform features, label of
a fixed linear score plus noise), not the same numbers: throughput does not depend on them.

Usage: train_torch.py '{"features":64,"rows":200000,"hidden":[1024,1024],"batchSize":4096,
                        "seconds":20,"warmupSteps":2}' cuda|cpu
Prints one JSON line: the result, or {"error": "..."} when the device is not there."""
import json
import os
import sys
import time


def main(setup: dict, device_name: str) -> dict:
    try:
        import numpy as np
        import torch
    except ImportError as error:
        return {"error": f"no PyTorch here: {error}"}
    if device_name == "cuda" and not torch.cuda.is_available():
        return {"error": f"PyTorch {torch.__version__} sees no CUDA device"}
    if device_name == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    device = torch.device(device_name)
    features, rows, batch = setup["features"], setup["rows"], setup["batchSize"]

    rng = np.random.default_rng(20_261_202)
    weights = rng.uniform(-1, 1, features).astype(np.float32)
    x_host = rng.uniform(-1, 1, (rows, features)).astype(np.float32)
    y_host = ((x_host @ weights + rng.uniform(-0.5, 0.5, rows)) > 0).astype(np.float32).reshape(rows, 1)
    x = torch.from_numpy(x_host).to(device)
    y = torch.from_numpy(y_host).to(device)

    torch.manual_seed(7)
    layers, inputs = [], features
    for units in setup["hidden"]:
        layers += [torch.nn.Linear(inputs, units), torch.nn.ReLU()]
        inputs = units
    layers.append(torch.nn.Linear(inputs, 1))
    model = torch.nn.Sequential(*layers).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    # Binary cross-entropy on the logit: the same numerics as ctrain's softplus form.
    loss_fn = torch.nn.BCEWithLogitsLoss()
    batches = max(1, rows // batch)
    step, loss = 0, float("nan")

    def run_step() -> None:
        nonlocal step, loss
        start = (step % batches) * batch
        optimizer.zero_grad(set_to_none=True)
        value = loss_fn(model(x[start:start + batch]), y[start:start + batch])
        value.backward()
        optimizer.step()
        loss = value.item()  # waits for the step, as reading the loss does in the tfjs runner
        step += 1

    for _ in range(setup["warmupSteps"]):
        run_step()
    started, timed = time.perf_counter(), 0
    while timed < 3 or time.perf_counter() - started < setup["seconds"]:
        run_step()
        timed += 1
    elapsed = time.perf_counter() - started
    where = torch.cuda.get_device_name(device) if device_name == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    return {
        "device": f"{where} (PyTorch {torch.__version__})",
        "samplesPerSecond": timed * batch / elapsed,
        "steps": timed,
        "seconds": elapsed,
        "finalLoss": loss,
    }


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("cuda", "cpu"):
        sys.exit(__doc__)
    try:
        result = main(json.loads(sys.argv[1]), sys.argv[2])
    except Exception as error:  # one failed peer costs its row only
        result = {"error": f"{type(error).__name__}: {error}".splitlines()[0]}
    print(json.dumps(result))
