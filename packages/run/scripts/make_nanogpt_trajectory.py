#!/usr/bin/env python3
"""
The nanoGPT training trajectory that packages/run/src/nanogpt-trajectory.test.ts replays.

nanoGPT's own GPT class (model.py of an unmodified nanoGPT checkout, imported from $NANOGPT_DIR) and its
own `configure_optimizers` (AdamW; decay on every tensor of rank >= 2) train a scaled-down baby GPT on
windows of tiny Shakespeare for STEPS steps, the way train.py's loop does it: the learning rate of its
`get_lr` (linear warmup to it+1 / warmup+1, cosine to min_lr), one forward/backward, global-norm clipping
at 1.0, an optimizer step. The fixture records the initial weights and, per step, the windows, the
learning rate, the loss and the gradient norm before clipping. The test loads those weights into the
run package's model, feeds the same windows through @makemore/trainer's `train` loop, and expects the
same losses: every piece of the recipe (decay groups, betas, eps, schedule, clipping, tied weights,
GPT-2 init shapes) has to agree for that to hold over all steps.

Run:  NANOGPT_DIR=<nanoGPT checkout> MAKEMORE_DATA_DIR=<datasets> python3 scripts/make_nanogpt_trajectory.py
Writes ../fixtures/nanogpt-trajectory.safetensors and ../fixtures/nanogpt-trajectory.json.
Needs torch and safetensors.
"""

import json
import math
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.environ["NANOGPT_DIR"])
from model import GPT, GPTConfig  # noqa: E402  (nanoGPT's model.py, unmodified)

# The run spec the test builds: nanogpt-baby with these overrides.
N_LAYER, N_HEAD, N_EMBD, BLOCK = 2, 2, 16, 16
BATCH, STEPS = 4, 40
LR, MIN_LR, WARMUP, DECAY_ITERS = 3e-3, 3e-4, 10, 40
WEIGHT_DECAY, BETAS, CLIP = 0.1, (0.9, 0.99), 1.0

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "fixtures")
text = open(os.path.join(os.environ["MAKEMORE_DATA_DIR"], "shakespeare.txt"), encoding="utf-8").read()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
train = torch.tensor([stoi[c] for c in text[: int(len(text) * 0.9)]], dtype=torch.long)

torch.manual_seed(1337)
torch.set_num_threads(1)
config = GPTConfig(block_size=BLOCK, vocab_size=len(chars), n_layer=N_LAYER, n_head=N_HEAD,
                   n_embd=N_EMBD, dropout=0.0, bias=False)
model = GPT(config)
state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()
         if k != "lm_head.weight"}  # tied to transformer.wte.weight
save_file(state, os.path.join(out, "nanogpt-trajectory.safetensors"))
optimizer = model.configure_optimizers(WEIGHT_DECAY, LR, BETAS, "cpu")


def learning_rate(it):
    # train.py's get_lr, with these settings
    if it < WARMUP:
        return LR * (it + 1) / (WARMUP + 1)
    if it > DECAY_ITERS:
        return MIN_LR
    ratio = (it - WARMUP) / (DECAY_ITERS - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (LR - MIN_LR)


steps = []
for it in range(STEPS):
    starts = torch.randint(len(train) - BLOCK, (BATCH,))
    windows = torch.stack([train[s : s + BLOCK + 1] for s in starts])
    lr = learning_rate(it)
    for group in optimizer.param_groups:
        group["lr"] = lr
    _, loss = model(windows[:, :-1].contiguous(), windows[:, 1:].contiguous())
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    steps.append({"windows": windows.tolist(), "lr": lr, "loss": loss.item(), "gradNorm": norm.item()})

with open(os.path.join(out, "nanogpt-trajectory.json"), "w") as f:
    json.dump({"config": {"nLayer": N_LAYER, "nHead": N_HEAD, "nEmbd": N_EMBD, "blockSize": BLOCK,
                          "batchSize": BATCH, "steps": STEPS, "lr": LR, "minLr": MIN_LR, "warmup": WARMUP,
                          "decaySteps": DECAY_ITERS, "weightDecay": WEIGHT_DECAY, "betas": list(BETAS),
                          "gradClip": CLIP},
               "steps": steps}, f)
print("wrote", STEPS, "steps; loss", steps[0]["loss"], "->", steps[-1]["loss"])
