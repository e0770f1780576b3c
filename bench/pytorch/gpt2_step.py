#!/usr/bin/env python3
"""The PyTorch side of bench/finetune-gpt2.mts: one fine-tuning step of GPT-2 small on the CPU.

nanoGPT's own GPT class (model.py, unmodified) with GPT-2 small's shapes (12 layers, 12 heads, 768 wide,
vocab 50,257, biases, no dropout), its position table cut with crop_block_size as train.py does for a
shorter block, and its configure_optimizers (AdamW, weight decay 0.1 on rank-2 tensors, lr 3e-5, betas
0.9/0.95). A step is train.py's: forward with targets, backward, clip_grad_norm_(1.0), optimizer.step(),
zero_grad(set_to_none=True), on random ids of a batch x block window. The first step (allocation) is not
counted. Prints one JSON line: {"torch", "threads", "best", "mean", "steps"} (seconds per step).

usage: NANOGPT_DIR=<checkout> python3 bench/pytorch/gpt2_step.py [--steps 4] [--block 256] [--batch 1] [--threads 2]
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.environ.get("NANOGPT_DIR", "."))
from model import GPT, GPTConfig  # noqa: E402  (nanoGPT's model.py, unmodified)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--block", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    model = GPT(GPTConfig(n_layer=12, n_head=12, n_embd=768, block_size=1024, vocab_size=50257, dropout=0.0, bias=True))
    if a.block < 1024:
        model.crop_block_size(a.block)
    model.train()
    optimizer = model.configure_optimizers(0.1, 3e-5, (0.9, 0.95), "cpu")
    times = []
    for _ in range(a.steps):
        x = torch.randint(50257, (a.batch, a.block))
        y = torch.randint(50257, (a.batch, a.block))
        t0 = time.perf_counter()
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    counted = times[1:] or times
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "best": min(counted),
                      "mean": sum(counted) / len(counted), "steps": len(counted)}))


if __name__ == "__main__":
    main()
