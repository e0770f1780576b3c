#!/usr/bin/env python3
"""PyTorch reference for makemore.ts's training-speed benchmarks, on the same machine and in the same run.

Times one training step (forward, backward, optimizer update) of three models and prints one JSON object:
  gpt          nanoGPT's "baby GPT": 4 layers, 4 heads, n_embd 128, block 64, batch 12, vocab 65, no biases,
               tied embedding/head, exact GELU, AdamW (lr 1e-3, weight decay 0.1 on matrices)  -> ms/step
  transformer  makemore's default transformer on names: 4 layers, 4 heads, n_embd 64, block 16, batch 32,
               vocab 27, biases, tanh-GELU, untied head, AdamW (lr 5e-4, betas 0.9/0.99, wd 0.01) -> ms/step
  mlp          the lecture MLP: block 3, embedding 10, hidden 200 with tanh, batch 32, vocab 27, SGD lr 0.1
                                                                                                  -> steps/s
Batches are seeded random token ids (the step's cost does not depend on the data), like `makemore bench`.

usage: python3 bench/pytorch/train_speed.py [--threads N] [--steps-scale F] [--only gpt,transformer,mlp]
                                          [--device cuda]  (a GPU for the webgpu comparison; default cpu)
"""
import argparse
import json
import math
import platform
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, n_embd, n_head, bias, gelu, dropout=0.0):
        super().__init__()
        self.n_head = n_head
        self.ln1 = nn.LayerNorm(n_embd, bias=bias)
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.ln2 = nn.LayerNorm(n_embd, bias=bias)
        self.fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.fc_out = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.gelu = nn.GELU(approximate=gelu)
        self.drop = dropout_layer(dropout)

    def attention(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        # [B, T, C] -> [B, H, T, hs]
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        att = self.drop(att.masked_fill(~mask, float('-inf')).softmax(dim=-1))
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.drop(self.proj(y))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.drop(self.fc_out(self.gelu(self.fc(self.ln2(x)))))


def dropout_layer(p):
    """Dropout with rate p; none at all when p is 0, so the timed models run no extra op."""
    return nn.Dropout(p) if p > 0 else nn.Identity()


class GPT(nn.Module):
    """Token and position embeddings, pre-norm blocks, final LayerNorm, a bias-free head; returns the
    cross-entropy loss (targets of -1 ignored). Dropout, when given, as nanoGPT places it."""

    def __init__(self, vocab, block, n_layer, n_head, n_embd, bias, tied, gelu, dropout=0.0):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block, n_embd)
        self.drop = dropout_layer(dropout)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, bias, gelu, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        self.head = nn.Linear(n_embd, vocab, bias=False)
        if tied:
            self.head.weight = self.wte.weight

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(t, device=idx.device)))
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


class MLP(nn.Module):
    """Bengio et al. 2003 as in the makemore lecture: embed the window, one tanh hidden layer, logits."""

    def __init__(self, vocab, block, n_embd, n_hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, n_embd)
        self.hidden = nn.Linear(block * n_embd, n_hidden)
        self.out = nn.Linear(n_hidden, vocab)

    def forward(self, idx, targets):
        h = torch.tanh(self.hidden(self.emb(idx).view(idx.shape[0], -1)))
        return F.cross_entropy(self.out(h), targets)


def adamw(model, lr, betas, weight_decay):
    """AdamW with decay on matrices only (nanoGPT's and makemore's grouping)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    groups = [{'params': decay, 'weight_decay': weight_decay}, {'params': rest, 'weight_decay': 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=1e-8)


DEVICE = torch.device('cpu')


def synchronize():
    if DEVICE.type == 'cuda':
        torch.cuda.synchronize()


def time_steps(model, opt, batch, warmup, steps):
    gen = torch.Generator().manual_seed(7)

    def step():
        x, y = batch(gen)
        loss = model(x.to(DEVICE), y.to(DEVICE))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize()
    return (time.perf_counter() - start) * 1000 / steps


def bench_gpt(scale):
    torch.manual_seed(1)
    model = GPT(65, 64, 4, 4, 128, bias=False, tied=True, gelu='none').to(DEVICE)
    opt = adamw(model, 1e-3, (0.9, 0.99), 0.1)
    batch = lambda g: (torch.randint(65, (12, 64), generator=g), torch.randint(65, (12, 64), generator=g))
    params = sum(p.numel() for p in model.parameters()) - model.wpe.weight.numel()
    ms = time_steps(model, opt, batch, 3, max(5, int(40 * scale)))
    return {'msPerStep': ms, 'stepsPerSec': 1000 / ms, 'params': params}


def bench_transformer(scale):
    torch.manual_seed(1)
    model = GPT(27, 16, 4, 4, 64, bias=True, tied=False, gelu='tanh').to(DEVICE)
    opt = adamw(model, 5e-4, (0.9, 0.99), 0.01)
    batch = lambda g: (torch.randint(27, (32, 16), generator=g), torch.randint(27, (32, 16), generator=g))
    ms = time_steps(model, opt, batch, 10, max(5, int(60 * scale)))
    return {'msPerStep': ms, 'stepsPerSec': 1000 / ms, 'params': sum(p.numel() for p in model.parameters())}


def bench_mlp(scale):
    torch.manual_seed(1)
    model = MLP(27, 3, 10, 200).to(DEVICE)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    batch = lambda g: (torch.randint(27, (32, 3), generator=g), torch.randint(27, (32,), generator=g))
    ms = time_steps(model, opt, batch, 300, max(20, int(600 * scale)))
    return {'msPerStep': ms, 'stepsPerSec': 1000 / ms, 'params': sum(p.numel() for p in model.parameters())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=0, help='torch threads (default: torch default)')
    ap.add_argument('--steps-scale', type=float, default=1.0, help='multiply the number of timed steps')
    ap.add_argument('--only', default='gpt,transformer,mlp')
    ap.add_argument('--device', default='cpu', help="torch device, e.g. 'cuda' (default: cpu)")
    args = ap.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    benches = {'gpt': bench_gpt, 'transformer': bench_transformer, 'mlp': bench_mlp}
    results = {name: benches[name](args.steps_scale) for name in args.only.split(',')}
    print(json.dumps({
        'runtime': 'pytorch',
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'device': torch.cuda.get_device_name(DEVICE) if DEVICE.type == 'cuda' else 'cpu',
        'machine': platform.processor() or platform.machine(),
        'results': results,
    }))


if __name__ == '__main__':
    main()
