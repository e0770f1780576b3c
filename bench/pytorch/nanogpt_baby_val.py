#!/usr/bin/env python3
"""One yardstick for nanogpt-baby runs from both sides: the loss on the whole val split of tiny Shakespeare.

A run's val figure at step 2,000 is an estimate from 20 random batches (nanoGPT's eval_iters=20), and the
same model reads anywhere from 1.889 to 1.922 depending on which 20 batches are drawn. This script scores
finished models on every non-overlapping 64-token window of the val split instead (deterministic), and can
train nanoGPT's baby GPT at other seeds to show how far the seed alone moves the result.

  score   nanoGPT's ckpt.pt files and makemore.ts model.safetensors files, in nanoGPT's GPT class (our
          weights use its parameter names; the tied head is filled from wte)
  seeds   nanoGPT's GPT and configure_optimizers with train.py's loop (get_lr, clip 1.0, AdamW; batches from
          torch.randint as get_batch), for 2,000 steps at each seed; step for step this is train.py's
          arithmetic (packages/run/src/nanogpt-trajectory.test.ts), but without train.py's evaluations in
          between, which draw from the same torch generator, so seed 1337 here is not train.py's run

usage: NANOGPT_DIR=<checkout> python3 bench/pytorch/nanogpt_baby_val.py --data <nanoGPT data/shakespeare_char>
         score FILE... | seeds SEED...
The data folder is the one nanoGPT's prepare.py writes (train.bin, val.bin).
"""

import argparse
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.environ.get("NANOGPT_DIR", "."))
from model import GPT, GPTConfig  # noqa: E402  (nanoGPT's model.py, unmodified)

BLOCK = 64
CONFIG = dict(block_size=BLOCK, vocab_size=65, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False)


def tokens(folder, split):
    return torch.from_numpy(np.fromfile(os.path.join(folder, f"{split}.bin"), dtype=np.uint16).astype(np.int64))


@torch.no_grad()
def whole_split_loss(model, data):
    starts = torch.arange((len(data) - 1) // BLOCK) * BLOCK
    total = 0.0
    for i in range(0, len(starts), 256):
        chunk = starts[i : i + 256]
        x = torch.stack([data[s : s + BLOCK] for s in chunk])
        y = torch.stack([data[s + 1 : s + 1 + BLOCK] for s in chunk])
        total += model(x, y)[1].item() * len(chunk)
    return total / len(starts)


def load(path):
    model = GPT(GPTConfig(**CONFIG))
    if path.endswith(".pt"):
        state = torch.load(path, map_location="cpu")["model"]
    else:
        from safetensors.torch import load_file

        state = load_file(path)
        state.setdefault("lm_head.weight", state["transformer.wte.weight"])
    state = {k.removeprefix("_orig_mod."): v for k, v in state.items()}
    missing, _ = model.load_state_dict(state, strict=False)
    if [k for k in missing if not k.endswith(".attn.bias")]:
        raise SystemExit(f"{path}: missing {missing}")
    return model.eval()


def train_at_seed(seed, train):
    torch.manual_seed(seed)
    model = GPT(GPTConfig(**CONFIG))
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99), "cpu")

    def lr_at(it):  # train.py's get_lr with warmup 100, lr_decay_iters 2000
        if it < 100:
            return 1e-3 * (it + 1) / 101
        return 1e-4 + 0.5 * (1 + math.cos(math.pi * (it - 100) / 1900)) * 9e-4

    for it in range(2000):
        starts = torch.randint(len(train) - BLOCK, (12,))
        x = torch.stack([train[s : s + BLOCK] for s in starts])
        y = torch.stack([train[s + 1 : s + 1 + BLOCK] for s in starts])
        for group in optimizer.param_groups:
            group["lr"] = lr_at(it)
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return model.eval()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("mode", choices=["score", "seeds"])
    parser.add_argument("items", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    val = tokens(args.data, "val")
    if args.mode == "score":
        for path in args.items:
            print(f"{path}\tval (whole split) {whole_split_loss(load(path), val):.4f}", flush=True)
    else:
        train = tokens(args.data, "train")
        for seed in args.items:
            model = train_at_seed(int(seed), train)
            print(f"nanoGPT seed {seed}\tval (whole split) {whole_split_loss(model, val):.4f}", flush=True)


if __name__ == "__main__":
    main()
