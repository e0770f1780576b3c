#!/usr/bin/env python3
"""
Fixtures for @makemore/models' torch checkpoint reader (src/torch/), written by PyTorch itself, and a
check that files written by our writer load in PyTorch and nanoGPT.

Run:  python3 scripts/make_torch_fixtures.py --nanogpt <nanoGPT clone> [--out DIR] [--hf]
      python3 scripts/make_torch_fixtures.py --nanogpt <nanoGPT clone> --check DIR

The first form writes into DIR (default: ../fixtures/torch next to this script):
  nanogpt-ckpt.pt       a ckpt.pt exactly as nanoGPT's train.py saves it (model, optimizer, model_args,
                        iter_num, best_val_loss, config), of a tiny GPT from nanoGPT's unmodified model.py
                        after two AdamW steps (bias=True)
  nanogpt-compiled.pt   the same layout for a bias=False model whose state dict carries torch.compile's
                        `_orig_mod.` prefix, without optimizer
  nanogpt.json          {idx, logits, logits_compiled, model_args, iter_num, best_val_loss, step, lr}:
                        full [B, T, V] logits of both models in eval mode for idx, flattened row-major
  values.pt             plain Python values and tensors of every dtype, strided views and shared storages
  values.json           what values.pt holds, as JSON (tensors as {dtype, shape, data})
  evil.pt               a torch.save of an object whose pickle calls os.system: the reader must refuse it
  meta.pkl              pickle.dump of a nanoGPT character meta dict, as data/shakespeare_char/prepare.py writes it

With --hf (needs Hugging Face transformers) it also writes hf-gpt2/:
  model.safetensors     a GPT2LMHeadModel (2 layers, 2 heads, n_embd 8, 8 positions, 13 tokens) saved with
                        save_pretrained: `transformer.` names, Conv1D [in, out] weights, lm_head left out
                        (tied); every parameter drawn N(0, 0.3) so biases and LayerNorms are not trivial
  config.json           its config, as save_pretrained writes it
  bare.safetensors      the same weights under OpenAI's bare names (`h.0.attn.c_attn.weight`, `wte.weight`)
                        with the `h.N.attn.bias` causal-mask buffers the original uploads carry
  logits.json           {idx, logits}: GPT2LMHeadModel's logits for idx in eval mode

The --check form loads the files our writer produced (scripts/write-torch-samples.ts) from DIR:
  ours-ckpt.pt with torch.load(weights_only=True), into nanoGPT's GPT (strict) and its AdamW
  (configure_optimizers + load_state_dict, then a step), comparing logits with nanogpt.json;
  ours-meta.pkl with pickle.load; and prints what it checked.
"""

import argparse
import json
import os
import pickle
import sys

import torch


def nanogpt_model(nanogpt_dir):
    sys.path.insert(0, nanogpt_dir)
    import model as nanogpt  # nanoGPT's unmodified model.py

    return nanogpt


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def make(args):
    out = args.out
    os.makedirs(out, exist_ok=True)
    nanogpt = nanogpt_model(args.nanogpt)
    torch.manual_seed(1337)
    model_args = dict(n_layer=2, n_head=2, n_embd=8, block_size=8, bias=True, vocab_size=11, dropout=0.0)
    model = nanogpt.GPT(nanogpt.GPTConfig(**model_args))
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99), "cpu")
    g = torch.Generator().manual_seed(7)
    for _ in range(2):
        x = torch.randint(0, 11, (3, 8), generator=g)
        y = torch.randint(0, 11, (3, 8), generator=g)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    idx = torch.randint(0, 11, (2, 8), generator=g)
    with torch.no_grad():
        logits, _ = model(idx, idx)  # with targets, nanoGPT returns logits at every position
    config = dict(dataset="tiny", batch_size=3, learning_rate=1e-3, weight_decay=0.1, beta2=0.99,
                  compile=False, dropout=0.0, max_iters=2, device="cpu", init_from="scratch")
    ckpt = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "model_args": model_args,
        "iter_num": 2,
        "best_val_loss": torch.tensor(2.25),
        "config": config,
    }
    torch.save(ckpt, os.path.join(out, "nanogpt-ckpt.pt"))

    torch.manual_seed(42)
    args2 = dict(model_args, bias=False)
    model2 = nanogpt.GPT(nanogpt.GPTConfig(**args2))
    model2.eval()
    with torch.no_grad():
        logits2, _ = model2(idx, idx)
    compiled = {"_orig_mod." + k: v for k, v in model2.state_dict().items()}
    torch.save({"model": compiled, "model_args": args2, "iter_num": 0, "best_val_loss": 1e9, "config": {}},
               os.path.join(out, "nanogpt-compiled.pt"))

    with open(os.path.join(out, "nanogpt.json"), "w") as f:
        json.dump({
            "idx": {"shape": list(idx.shape), "data": [int(i) for i in idx.reshape(-1).tolist()]},
            "logits": {"shape": list(logits.shape), "data": flat(logits)},
            "logits_compiled": {"shape": list(logits2.shape), "data": flat(logits2)},
            "model_args": model_args,
            "iter_num": 2,
            "best_val_loss": float(torch.tensor(2.25)),
            "step": 2,
            "lr": 1e-3,
            "exp_avg_wte": flat(optimizer.state[model.transformer.wte.weight]["exp_avg"]),
        }, f)

    # Plain values and tensors of every dtype; a transposed view and an offset view share one storage.
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8
    values = {
        "ints": [0, 1, 255, 256, 65535, 65536, -1, -129, 2**31 - 1, -(2**31), 2**40, -(2**40)],
        "floats": [0.5, -2.25, 1e-8, 1e9, 0.0],
        "text": ["", "héllo", "🙂 emoji", "\n"],
        "flags": [True, False, None],
        "tuple": (1, "two", 3.0),
        "int_keys": {0: "a", 1: "b", 64: "c"},
        "nested": {"a": {"b": [1, {"c": 2}]}},
        "f32": base,
        "transposed": base.t(),
        "offset_view": base[1:, 1:3],
        "scalar": torch.tensor(3.5),
        "f64": torch.tensor([1.5, -2.0], dtype=torch.float64),
        "f16": torch.tensor([0.5, -3.0, 65504.0], dtype=torch.float16),
        "bf16": torch.tensor([0.5, -3.0, 1.0e30], dtype=torch.bfloat16),
        "i64": torch.tensor([-5, 0, 2**31 - 1], dtype=torch.int64),
        "i32": torch.tensor([7, -7], dtype=torch.int32),
        "u8": torch.tensor([0, 200], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
    }
    torch.save(values, os.path.join(out, "values.pt"))

    def as_json(v):
        if isinstance(v, torch.Tensor):
            data = v.float().reshape(-1).tolist() if v.is_floating_point() else v.reshape(-1).int().tolist()
            return {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "data": data}
        if isinstance(v, dict):
            return {str(k): as_json(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [as_json(x) for x in v]
        return v

    with open(os.path.join(out, "values.json"), "w") as f:
        json.dump(as_json(values), f, ensure_ascii=False)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo this pickle runs code",))

    torch.save({"model": {"x": Evil()}}, os.path.join(out, "evil.pt"))

    chars = sorted(set("First Citizen:\nBefore we proceed any further, hear me speak."))
    meta = {"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": {c: i for i, c in enumerate(chars)}}
    with open(os.path.join(out, "meta.pkl"), "wb") as f:
        pickle.dump(meta, f)
    print(f"wrote fixtures to {out}")


def make_hf(args):
    from safetensors.torch import save_file
    from transformers import GPT2Config, GPT2LMHeadModel

    out = os.path.join(args.out, "hf-gpt2")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(2024)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=8, n_positions=8, vocab_size=13,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    for extra in ("generation_config.json",):
        if os.path.exists(os.path.join(out, extra)):
            os.remove(os.path.join(out, extra))
    bare = {k.removeprefix("transformer."): v.contiguous() for k, v in model.transformer.state_dict().items()}
    mask = torch.tril(torch.ones(8, 8, dtype=torch.bool)).view(1, 1, 8, 8)
    for i in range(config.n_layer):
        bare[f"h.{i}.attn.bias"] = mask.float()
    save_file(bare, os.path.join(out, "bare.safetensors"))
    g = torch.Generator().manual_seed(5)
    idx = torch.randint(0, 13, (2, 8), generator=g)
    with torch.no_grad():
        logits = model(idx).logits
    with open(os.path.join(out, "logits.json"), "w") as f:
        json.dump({"idx": {"shape": list(idx.shape), "data": [int(i) for i in idx.reshape(-1).tolist()]},
                   "logits": {"shape": list(logits.shape), "data": flat(logits)}}, f)
    print(f"wrote Hugging Face GPT-2 fixtures to {out}")


def check(args):
    d = args.check
    nanogpt = nanogpt_model(args.nanogpt)
    fixtures = json.load(open(os.path.join(args.out, "nanogpt.json")))
    ckpt = torch.load(os.path.join(d, "ours-ckpt.pt"), weights_only=True)
    print("torch.load(weights_only=True) of ours-ckpt.pt: keys", sorted(ckpt))
    model = nanogpt.GPT(nanogpt.GPTConfig(**ckpt["model_args"]))
    model.load_state_dict(ckpt["model"])  # strict
    model.eval()
    idx = torch.tensor(fixtures["idx"]["data"]).reshape(fixtures["idx"]["shape"])
    with torch.no_grad():
        logits, _ = model(idx, idx)
    want = torch.tensor(fixtures["logits"]["data"]).reshape(fixtures["logits"]["shape"])
    diff = (logits - want).abs().max().item()
    print(f"nanoGPT GPT loaded strictly; max |logits - fixture| = {diff:.3g}")
    assert diff < 1e-6, diff
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99), "cpu")
    optimizer.load_state_dict(ckpt["optimizer"])
    step = [s["step"].item() for s in optimizer.state.values()]
    print(f"AdamW.load_state_dict ok: {len(optimizer.state)} parameter states, steps {set(step)}")
    model.train()
    _, loss = model(idx, idx)
    loss.backward()
    optimizer.step()
    print(f"one more AdamW step ran; iter_num {ckpt['iter_num']}, best_val_loss {float(ckpt['best_val_loss'])}")
    meta = pickle.load(open(os.path.join(d, "ours-meta.pkl"), "rb"))
    assert meta["itos"] == {i: c for c, i in meta["stoi"].items()}, meta
    print(f"pickle.load of ours-meta.pkl: vocab_size {meta['vocab_size']}, itos {meta['itos']}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--nanogpt", required=True, help="a clone of karpathy/nanoGPT (its model.py is imported)")
    parser.add_argument("--out", default=os.path.join(here, "..", "fixtures", "torch"))
    parser.add_argument("--check", help="a folder with ours-ckpt.pt and ours-meta.pkl to check")
    parser.add_argument("--hf", action="store_true", help="also write the Hugging Face GPT-2 fixtures")
    a = parser.parse_args()
    if a.check:
        check(a)
    else:
        make(a)
        if a.hf:
            make_hf(a)
