"""The flight-delay MLP in PyTorch on the CPU: same matrix, layers, dropout, Adam, batch size and
epochs as ctrain's trainer. Prints samples per second over the epochs after the first."""
import json, os, sys, time
import numpy as np
import torch

data_dir, epochs = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(os.cpu_count() or 1)
meta = json.load(open(os.path.join(data_dir, "meta.json")))
rows, width, spec = meta["rows"], meta["width"], meta["spec"]
x = torch.from_numpy(np.fromfile(os.path.join(data_dir, "features.f32"), dtype=np.float32).reshape(rows, width))
y = torch.from_numpy(np.fromfile(os.path.join(data_dir, "labels.f32"), dtype=np.float32).reshape(rows, 1))
torch.manual_seed(spec["seed"])
layers, inputs = [], width
for units in spec["network"]["hidden"]:
    layers += [torch.nn.Linear(inputs, units), torch.nn.ReLU()]
    if spec["network"]["dropout"] > 0:
        layers.append(torch.nn.Dropout(spec["network"]["dropout"]))
    inputs = units
layers += [torch.nn.Linear(inputs, 1), torch.nn.Sigmoid()]
model = torch.nn.Sequential(*layers)
optimizer = torch.optim.Adam(model.parameters(), lr=spec["learningRate"])
loss_fn = torch.nn.BCELoss()
batch = spec["batchSize"]
stamps, loss = [time.perf_counter()], None
for epoch in range(epochs):
    model.train()
    order = torch.randperm(rows)
    total = 0.0
    for start in range(0, rows, batch):
        index = order[start:start + batch]
        optimizer.zero_grad()
        loss = loss_fn(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    stamps.append(time.perf_counter())
print(json.dumps({"backend": "torch-cpu", "threads": torch.get_num_threads(), "samplesPerSecond": rows * (epochs - 1) / (stamps[-1] - stamps[1]), "finalLoss": total / rows}))
