#!/usr/bin/env python3
"""PyTorch reference for makemore.ts's generation-speed benchmark (bench/generate.mts), same machine, same run.

Cases (random weights, eval mode, no dropout; prints one JSON object per call):
  gpt64        nanoGPT's model.py, baby GPT 4L/4H/128, block 64, vocab 65, no bias: 500 new tokens from a
               1-token prompt with its own `model.generate` (crops to the block, full forward per token)
  gpt256       the same with 6L/6H/384, block 256 (nanoGPT's shakespeare-char config)
  gpt64-kv     / gpt256-kv: the same nanoGPT modules and weights, sampled with a small KV cache written here
               (prefill, then one position per token; restart from the last block/2 tokens when full, as
               makemore.ts's default `window: 'shift'`): what PyTorch does with a cache
  names        makemore.py's Transformer (4L/4H/64, block 16, vocab 27): 1,000 names with makemore.py's
               `generate` as one batch of 1,000 rows, 15 new tokens each (what print_samples draws)
Each case reports the best of --reps timings.

Needs nanoGPT's model.py (NANOGPT_DIR or --nanogpt) and makemore.py (MAKEMORE_DIR or --makemore), imported
unmodified. makemore.py imports tensorboard's SummaryWriter at the top but only uses it when training; when
tensorboard is not installed, a stand-in module is registered so the import succeeds.

usage: python3 bench/pytorch/generate_speed.py --case gpt256 [--threads 1] [--reps 2] [--tokens 500]
"""
import argparse
import importlib.util
import json
import os
import sys
import time
import types

import torch
import torch.nn.functional as F


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nanogpt(args, n_layer, n_head, n_embd, block):
    model_py = load_module('nanogpt_model', os.path.join(args.nanogpt, 'model.py'))
    config = model_py.GPTConfig(block_size=block, vocab_size=65, n_layer=n_layer, n_head=n_head,
                                n_embd=n_embd, dropout=0.0, bias=False)
    return model_py.GPT(config).eval()


@torch.no_grad()
def kv_generate(model, idx, new_tokens):
    """Sampling with per-layer key/value caches over nanoGPT's own modules (its weights, its layers)."""
    t = model.transformer
    block = model.config.block_size
    n_head = model.config.n_head

    def run(tokens, start, caches):
        """tokens [B, T] at positions start.. → logits of the last position; extends caches in place."""
        b, n = tokens.shape
        x = t.wte(tokens) + t.wpe(torch.arange(start, start + n))
        for layer, cache in zip(t.h, caches):
            q, k, v = layer.attn.c_attn(layer.ln_1(x)).split(x.size(-1), dim=2)
            q, k, v = (z.view(b, n, n_head, -1).transpose(1, 2) for z in (q, k, v))
            if cache:
                k, v = torch.cat((cache[0], k), 2), torch.cat((cache[1], v), 2)
            cache[:] = [k, v]
            y = F.scaled_dot_product_attention(q, k, v, is_causal=n > 1)
            x = x + layer.attn.c_proj(y.transpose(1, 2).reshape(b, n, -1))
            x = x + layer.mlp(layer.ln_2(x))
        return model.lm_head(t.ln_f(x[:, -1, :]))

    caches = [[] for _ in t.h]
    start = 0
    logits = run(idx, 0, caches)
    for _ in range(new_tokens):
        nxt = torch.multinomial(F.softmax(logits, dim=-1), 1)
        idx = torch.cat((idx, nxt), 1)
        length = idx.size(1)
        if length - start <= block:
            logits = run(nxt, length - 1 - start, caches)
        else:
            start = length - block // 2
            caches = [[] for _ in t.h]
            logits = run(idx[:, start:], 0, caches)
    return idx


def makemore_names(args):
    if 'torch.utils.tensorboard' not in sys.modules:
        try:
            import torch.utils.tensorboard  # noqa: F401
        except ImportError:
            stand_in = types.ModuleType('torch.utils.tensorboard')
            stand_in.SummaryWriter = object
            sys.modules['torch.utils.tensorboard'] = stand_in
    mm = load_module('makemore', os.path.join(args.makemore, 'makemore.py'))
    model = mm.Transformer(mm.ModelConfig(vocab_size=27, block_size=16, n_layer=4, n_head=4, n_embd=64)).eval()
    return mm, model


def best_of(reps, fn):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--case', required=True,
                        choices=['gpt64', 'gpt256', 'gpt64-kv', 'gpt256-kv', 'names'])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--reps', type=int, default=2)
    parser.add_argument('--tokens', type=int, default=500)
    parser.add_argument('--names', type=int, default=1000)
    parser.add_argument('--nanogpt', default=os.environ.get('NANOGPT_DIR'))
    parser.add_argument('--makemore', default=os.environ.get('MAKEMORE_DIR'))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    result = {'case': args.case, 'threads': torch.get_num_threads(), 'torch': torch.__version__}
    if args.case == 'names':
        if not args.makemore:
            sys.exit('set MAKEMORE_DIR or --makemore to a clone of karpathy/makemore')
        mm, model = makemore_names(args)
        idx = torch.zeros(args.names, 1, dtype=torch.long)
        seconds = best_of(args.reps, lambda: mm.generate(model, idx, 15, do_sample=True))
        result.update(names=args.names, seconds=seconds)
    else:
        if not args.nanogpt:
            sys.exit('set NANOGPT_DIR or --nanogpt to a clone of karpathy/nanoGPT')
        shape = (4, 4, 128, 64) if args.case.startswith('gpt64') else (6, 6, 384, 256)
        model = nanogpt(args, *shape)
        idx = torch.zeros(1, 1, dtype=torch.long)
        if args.case.endswith('-kv'):
            seconds = best_of(args.reps, lambda: kv_generate(model, idx, args.tokens))
        else:
            seconds = best_of(args.reps, lambda: model.generate(idx, args.tokens))
        result.update(tokens=args.tokens, seconds=seconds, tokens_per_s=args.tokens / seconds)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
