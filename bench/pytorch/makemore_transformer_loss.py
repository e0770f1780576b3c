#!/usr/bin/env python3
"""The makemore transformer's reference loss, in PyTorch, to put our TypeScript run beside.

makemore.py's default transformer on names (4 layers, 4 heads, n_embd 64, block = longest name + 1, biases,
tanh-GELU, PyTorch's default init, untied head) with its recipe: AdamW lr 5e-4, betas 0.9/0.99, eps 1e-8,
weight decay 0.01 on every parameter, batch 32, test set = min(1000, 10 %) of the words by torch.randperm.
Every 1000 steps it prints the loss on the whole test set and on 5,000 training words.

Not part of CI (torch is optional). Options beyond makemore.py's recipe, to see what closes the gap to a
target before spending the TypeScript run's wall time on it:
  --dropout P   dropout after the embeddings, attention weights, and both residual branches
  --tail N      anneal the learning rate to a tenth with a cosine over the last N steps

usage: MAKEMORE_DATA_DIR=../shared/datasets python3 bench/pytorch/makemore_transformer_loss.py [--steps 20000]
"""
import argparse
import math
import os
import time

import torch

from train_speed import GPT  # the same directory: the model the speed benchmark times

p = argparse.ArgumentParser()
p.add_argument('--steps', type=int, default=20000)
p.add_argument('--dropout', type=float, default=0.0)
p.add_argument('--tail', type=int, default=0)
p.add_argument('--weight-decay', type=float, default=0.01)
p.add_argument('--seed', type=int, default=3407)
p.add_argument('--threads', type=int, default=1)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

data_dir = os.environ.get('MAKEMORE_DATA_DIR', os.path.join(os.path.dirname(__file__), '../../../shared/datasets'))
words = [w.strip() for w in open(os.path.join(data_dir, 'names.txt')) if w.strip()]
chars = sorted(set(''.join(words)))
stoi = {c: i + 1 for i, c in enumerate(chars)}  # 0 is '.', start and end of a name
V, T = len(chars) + 1, max(len(w) for w in words) + 1
perm = torch.randperm(len(words)).tolist()
n_test = min(1000, len(words) // 10)
test_words, train_words = [words[i] for i in perm[:n_test]], [words[i] for i in perm[n_test:]]


def encode(ws):
    """x = '.' + name, padded with '.'; y = name + '.', then -1 (ignored) to the block's end."""
    x = torch.zeros(len(ws), T, dtype=torch.long)
    y = torch.full((len(ws), T), -1, dtype=torch.long)
    for row, w in enumerate(ws):
        ix = torch.tensor([stoi[c] for c in w])
        x[row, 1:1 + len(ix)] = ix
        y[row, :len(ix)] = ix
        y[row, len(ix)] = 0
    return x, y


Xtr, Ytr = encode(train_words)
Xte, Yte = encode(test_words)


# makemore's model is train_speed.py's GPT with biases, tanh-GELU and an untied head.
model = GPT(V, T, 4, 4, 64, bias=True, tied=False, gelu='tanh', dropout=args.dropout)
lr = 5e-4
opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=args.weight_decay, betas=(0.9, 0.99), eps=1e-8)


def lr_at(step):
    start = args.steps - args.tail
    if args.tail == 0 or step < start:
        return lr
    return lr / 10 + 0.5 * (lr - lr / 10) * (1 + math.cos(math.pi * (step - start) / args.tail))


@torch.no_grad()
def mean_loss(X, Y):
    """Mean over every counted target (ignored ones excluded), in eval mode."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(X), 1000):
        x, y = X[i:i + 1000], Y[i:i + 1000]
        n = (y >= 0).sum().item()
        total += model(x, y).item() * n
        count += n
    model.train()
    return total / count


print(f'{sum(p.numel() for p in model.parameters()):,} parameters; {len(train_words)} train / {n_test} test words;'
      f' torch {torch.__version__}, {args.threads} thread(s)', flush=True)
started, best = time.time(), float('inf')
for step in range(args.steps + 1):
    if step % 1000 == 0:
        test = mean_loss(Xte, Yte)
        best = min(best, test)
        print(f'step {step} | train(5k words) {mean_loss(Xtr[:5000], Ytr[:5000]):.4f} | test {test:.4f}'
              f' | best {best:.4f} | {time.time() - started:.0f} s', flush=True)
    if step == args.steps:
        break
    for group in opt.param_groups:
        group['lr'] = lr_at(step)
    ix = torch.randint(len(Xtr), (32,))
    loss = model(Xtr[ix], Ytr[ix])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
print(f'done: best test {best:.4f}, final test {test:.4f}, {time.time() - started:.0f} s')
