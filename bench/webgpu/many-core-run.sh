#!/usr/bin/env bash
# Runs on a machine without Node (packed by bench/webgpu/webgpu-node-pack.sh as .gpu/many-core.sh): the wasm kernel
# bench by route and thread count, then the CLI's GPT and transformer steps with 1, 4 and 8 wasm threads,
# and PyTorch's with 1 and 8 threads when python3 has torch (run from the repository root).
#
#   bash .gpu/many-core.sh
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE="${TMPDIR:-/tmp}/makemore-node"
if [ ! -x "$NODE" ]; then
  xz -dc "$HERE/node.xz" > "$NODE" 2>/dev/null \
    || python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      "$HERE/node.xz" "$NODE"
  chmod +x "$NODE"
fi
echo "cpu: $(lscpu | grep -m1 'Model name' | sed 's/.*: *//') ($(nproc) cores), node $("$NODE" --version)"
for config in wasm wasm-mul-add wasm-xnnpack wasm-4t wasm-xnnpack-4t wasm-8t wasm-xnnpack-8t; do
  echo "== kernels $config"
  timeout 120 "$NODE" "$HERE/kernels.mjs" "$config" 2>&1 | tail -n 1
done
for threads in 1 4 8 1 4 8; do
  echo "== cli bench, $threads wasm threads"
  timeout 150 "$NODE" "$HERE/cli.mjs" bench --json --backend wasm --threads "$threads" --only gpt,transformer 2>&1 \
    | grep '"bench"'
done
if python3 -c 'import torch' 2>/dev/null && [ -f bench/pytorch/train_speed.py ]; then
  for threads in 1 8; do
    echo "== pytorch, $threads threads"
    timeout 120 python3 bench/pytorch/train_speed.py --only gpt,transformer --threads "$threads"
  done
fi
