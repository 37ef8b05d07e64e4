# ctrain's one image: workers, trainer, model server and alert receiver differ only by command.
FROM node:20.19.5-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so source edits reuse this layer. tsx is a runtime dependency:
# bin/ctrain.js runs the TypeScript sources directly, so there is no build step.
# DVC (pinned with every dependency) in its own virtual environment; workers version datasets with it.
# libvulkan1: the Vulkan loader the webgpu backend (Dawn) opens; the GPU's Vulkan driver comes from
# the NVIDIA container runtime (the trainer service asks for the `graphics` capability), and the GL
# libraries that driver loads when Vulkan starts (libglvnd0 … libgles2) come from here: without
# them it finds no adapter.
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2 && rm -rf /var/lib/apt/lists/*
COPY stack/requirements-dvc.txt /opt/dvc/requirements.txt
RUN python3 -m venv /opt/dvc/venv && /opt/dvc/venv/bin/pip install --no-cache-dir -r /opt/dvc/requirements.txt
ENV CTRAIN_DVC_BIN=/opt/dvc/venv/bin/dvc

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
# Working state (CTRAIN_HOME defaults to .ctrain/) must be writable by the unprivileged user.
RUN mkdir -p .ctrain && chown node:node .ctrain

USER node
CMD ["node", "bin/ctrain.js", "--help"]
