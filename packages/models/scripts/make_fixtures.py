#!/usr/bin/env python3
"""
PyTorch reference models for @makemore/models, and the fixtures its parity tests load.

Every module here has the same parameter names and shapes as karpathy/makemore's makemore.py
(Bigram, MLP, RNN, GRU, BoW, Transformer), so a makemore checkpoint saved as safetensors loads into
the TensorFlow.js models. LSTM and WaveNet are not in makemore.py; their names are defined here:

  LSTM     start [1, H] (h0), start_c [1, H] (c0), wte.weight [V, E],
           cell.xh_to_i | xh_to_f | xh_to_o | xh_to_cbar .weight [H, E+H] / .bias [H], lm_head.weight|bias
           (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000)
  WaveNet  wte.weight [V, E], h.{i}.fc.weight [H, 2*fan] (no bias when BatchNorm follows),
           h.{i}.bn.weight|bias|running_mean|running_var|num_batches_tracked, lm_head.weight|bias
           (van den Oord et al. 2016 as simplified in Karpathy's "makemore part 5": pairs of consecutive
           positions are concatenated at each level, BatchNorm statistics are taken over batch and time)

Run:  python3 scripts/make_fixtures.py [--out DIR]
Writes into DIR (default: ../fixtures next to this script), for each model NAME:
  NAME.safetensors   the PyTorch state_dict (F32 weights, I64 num_batches_tracked), __metadata__ names the fixture
  NAME.grad.safetensors  d(loss)/d(parameter) for every parameter, from PyTorch autograd in training
                     mode (F32), under the parameter names
  NAME.json          {name, config (the @makemore/models JSON config), idx, targets, logits, loss[, train],
                     trainLoss, numParams}: tensors as {shape, data} with data flattened row-major; loss is
                     the mean cross-entropy with ignore_index=-1 in inference mode, trainLoss the one the
                     gradients are of; `train` (BatchNorm models) holds training-mode logits, loss and the
                     running statistics after that one training-mode forward
  param-counts.json  parameter counts of makemore.py's default configurations (and the lecture's WaveNet)
The expected values are computed in float64 from the float32 weights stored in the file.
Needs only torch (no safetensors package): the safetensors writer is below.
"""

import argparse
import json
import math
import os
import struct

import torch
import torch.nn as nn
from torch.nn import functional as F

# ---------------------------------------------------------------------------------------------------
# safetensors: u64 little-endian header length, a JSON header (name -> dtype, shape, data_offsets),
# padded with spaces to a multiple of 8, then the raw little-endian tensor bytes.

_DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        dtype, np_dtype = _DTYPES[t.dtype]
        blob = t.detach().cpu().contiguous().numpy().astype(np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------------------------------------------
# Models. Shapes: B batch, T time, V vocabulary, E embedding width (n_embd), H hidden width (n_embd2).


class Bigram(nn.Module):
    """A [V, V] table of next-token logits, indexed by the current token."""

    def __init__(self, V):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros((V, V)))

    def forward(self, idx):
        return self.logits[idx]


class MLP(nn.Module):
    """Bengio et al. 2003 in makemore.py's form: position t sees tokens t, t-1, ..., t-block+1, where
    positions before the start read an extra blank token with id V."""

    def __init__(self, V, block, E, H):
        super().__init__()
        self.V, self.block = V, block
        self.wte = nn.Embedding(V + 1, E)
        self.mlp = nn.Sequential(nn.Linear(block * E, H), nn.Tanh(), nn.Linear(H, V))

    def forward(self, idx):
        B, T = idx.shape
        padded = torch.cat([torch.full((B, self.block - 1), self.V, dtype=idx.dtype), idx], dim=1)
        lags = [padded[:, self.block - 1 - k : self.block - 1 - k + T] for k in range(self.block)]
        return self.mlp(torch.cat([self.wte(lag) for lag in lags], dim=-1))


class RNNCell(nn.Module):
    """h_t = tanh(W [x_t; h_{t-1}] + b)"""

    def __init__(self, E, H):
        super().__init__()
        self.xh_to_h = nn.Linear(E + H, H)

    def forward(self, x, h):
        return torch.tanh(self.xh_to_h(torch.cat([x, h], dim=1)))


class GRUCell(nn.Module):
    """Cho et al. 2014: reset gate r, update gate z, candidate hbar; h_t = (1 - z) h + z hbar."""

    def __init__(self, E, H):
        super().__init__()
        self.xh_to_z = nn.Linear(E + H, H)
        self.xh_to_r = nn.Linear(E + H, H)
        self.xh_to_hbar = nn.Linear(E + H, H)

    def forward(self, x, h):
        xh = torch.cat([x, h], dim=1)
        r = torch.sigmoid(self.xh_to_r(xh))
        z = torch.sigmoid(self.xh_to_z(xh))
        hbar = torch.tanh(self.xh_to_hbar(torch.cat([x, r * h], dim=1)))
        return (1 - z) * h + z * hbar


class LSTMCell(nn.Module):
    """Input gate i, forget gate f, output gate o, candidate cbar; c_t = f c + i cbar, h_t = o tanh(c_t)."""

    def __init__(self, E, H):
        super().__init__()
        self.xh_to_i = nn.Linear(E + H, H)
        self.xh_to_f = nn.Linear(E + H, H)
        self.xh_to_o = nn.Linear(E + H, H)
        self.xh_to_cbar = nn.Linear(E + H, H)

    def forward(self, x, state):
        h, c = state
        xh = torch.cat([x, h], dim=1)
        i = torch.sigmoid(self.xh_to_i(xh))
        f = torch.sigmoid(self.xh_to_f(xh))
        o = torch.sigmoid(self.xh_to_o(xh))
        cbar = torch.tanh(self.xh_to_cbar(xh))
        c = f * c + i * cbar
        return o * torch.tanh(c), c


class Recurrent(nn.Module):
    """makemore.py's RNN: a learned start state, one cell applied at every step, a linear read-out."""

    def __init__(self, V, E, H, kind):
        super().__init__()
        self.kind = kind
        self.start = nn.Parameter(torch.zeros(1, H))
        if kind == "lstm":
            self.start_c = nn.Parameter(torch.zeros(1, H))
        self.wte = nn.Embedding(V, E)
        self.cell = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}[kind](E, H)
        self.lm_head = nn.Linear(H, V)

    def forward(self, idx):
        B, T = idx.shape
        emb = self.wte(idx)
        h = self.start.expand(B, -1)
        c = self.start_c.expand(B, -1) if self.kind == "lstm" else None
        hiddens = []
        for t in range(T):
            if self.kind == "lstm":
                h, c = self.cell(emb[:, t], (h, c))
            else:
                h = self.cell(emb[:, t], h)
            hiddens.append(h)
        return self.lm_head(torch.stack(hiddens, dim=1))


class CausalBoW(nn.Module):
    """Position t becomes the mean of positions 0..t. `bias` is the lower-triangular mask, kept as a
    buffer because makemore.py saves it in the state dict."""

    def __init__(self, block):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, block, block))

    def forward(self, x):
        T = x.shape[1]
        mask = self.bias[:, :T, :T].to(x.dtype)
        return (mask / mask.sum(-1, keepdim=True)) @ x


class BoWBlock(nn.Module):
    def __init__(self, block, E, H):
        super().__init__()
        self.cbow = CausalBoW(block)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(E, H), c_proj=nn.Linear(H, E)))

    def forward(self, x):
        x = x + self.cbow(x)
        return x + self.mlp.c_proj(torch.tanh(self.mlp.c_fc(x)))


class BoW(nn.Module):
    def __init__(self, V, block, E, H):
        super().__init__()
        self.wte = nn.Embedding(V, E)
        self.wpe = nn.Embedding(block, E)
        self.context_block = BoWBlock(block, E, H)
        self.lm_head = nn.Linear(E, V)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        return self.lm_head(self.context_block(x))


def new_gelu(x):
    """GELU, tanh approximation (Hendrycks & Gimpel 2016), as GPT-2 uses it."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


class CausalSelfAttention(nn.Module):
    def __init__(self, block, E, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(E, 3 * E)
        self.c_proj = nn.Linear(E, E)
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (a.view(B, T, self.n_head, hs).transpose(1, 2) for a in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf")).softmax(dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, block, E, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(E)
        self.attn = CausalSelfAttention(block, E, n_head)
        self.ln_2 = nn.LayerNorm(E)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(E, 4 * E), c_proj=nn.Linear(4 * E, E)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(new_gelu(self.mlp.c_fc(self.ln_2(x))))


class Transformer(nn.Module):
    """GPT-2 (Radford et al. 2019) with makemore.py's names: pre-LayerNorm blocks, no dropout."""

    def __init__(self, V, block, E, n_layer, n_head):
        super().__init__()
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(V, E),
                wpe=nn.Embedding(block, E),
                h=nn.ModuleList([Block(block, E, n_head) for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(E),
            )
        )
        self.lm_head = nn.Linear(E, V, bias=False)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))
        for blk in self.transformer.h:
            x = blk(x)
        return self.lm_head(self.transformer.ln_f(x))


class BatchNormOverBT(nn.BatchNorm1d):
    """BatchNorm1d for [B, T, C] inputs with statistics over both B and T (the lecture's fix)."""

    def forward(self, x):
        if x.dim() == 3:
            return super().forward(x.transpose(1, 2)).transpose(1, 2)
        return super().forward(x)


class WaveNetLayer(nn.Module):
    """Concatenate each pair of consecutive positions, then Linear, BatchNorm, tanh."""

    def __init__(self, fan_in, H, batch_norm):
        super().__init__()
        self.fc = nn.Linear(2 * fan_in, H, bias=not batch_norm)
        self.bn = BatchNormOverBT(H) if batch_norm else None

    def forward(self, x):
        B, T, C = x.shape
        x = self.fc(x.reshape(B, T // 2, 2 * C))
        if self.bn is not None:
            x = self.bn(x)
        return torch.tanh(x)


class WaveNet(nn.Module):
    """A window of `block` (a power of two) tokens is halved log2(block) times into one vector."""

    def __init__(self, V, block, E, H, batch_norm=True):
        super().__init__()
        levels = int(math.log2(block))
        assert 2**levels == block, "WaveNet needs a power-of-two block size"
        self.wte = nn.Embedding(V, E)
        self.h = nn.ModuleList([WaveNetLayer(E if i == 0 else H, H, batch_norm) for i in range(levels)])
        self.lm_head = nn.Linear(H, V)
        with torch.no_grad():  # the lecture's init: a less confident last layer, loss near ln V at step 0
            self.lm_head.weight *= 0.1

    def forward(self, idx):
        x = self.wte(idx)
        for layer in self.h:
            x = layer(x)
        return self.lm_head(x.squeeze(1))


def build(cfg):
    """Builds the reference module for a @makemore/models JSON config."""
    V, block, kind = cfg["vocabSize"], cfg["blockSize"], cfg["type"]
    if kind == "bigram-nn":
        return Bigram(V)
    if kind == "mlp":
        return MLP(V, block, cfg["nEmbd"], cfg["nEmbd2"])
    if kind in ("rnn", "gru", "lstm"):
        return Recurrent(V, cfg["nEmbd"], cfg["nEmbd2"], kind)
    if kind == "bow":
        return BoW(V, block, cfg["nEmbd"], cfg["nEmbd2"])
    if kind == "transformer":
        return Transformer(V, block, cfg["nEmbd"], cfg["nLayer"], cfg["nHead"])
    if kind == "wavenet":
        return WaveNet(V, block, cfg["nEmbd"], cfg["nHidden"], cfg.get("batchNorm", True))
    raise ValueError(f"unknown model type {kind}")


# ---------------------------------------------------------------------------------------------------
# Fixtures: tiny configs, random weights (every parameter non-zero so each one is exercised).

FIXTURES = [
    ("bigram-nn", {"type": "bigram-nn", "vocabSize": 7, "blockSize": 5}),
    ("mlp", {"type": "mlp", "vocabSize": 7, "blockSize": 4, "nEmbd": 5, "nEmbd2": 11, "inputKind": "sequence"}),
    ("rnn", {"type": "rnn", "vocabSize": 7, "blockSize": 6, "nEmbd": 5, "nEmbd2": 8}),
    ("gru", {"type": "gru", "vocabSize": 7, "blockSize": 6, "nEmbd": 5, "nEmbd2": 8}),
    ("lstm", {"type": "lstm", "vocabSize": 7, "blockSize": 6, "nEmbd": 5, "nEmbd2": 8}),
    ("bow", {"type": "bow", "vocabSize": 7, "blockSize": 6, "nEmbd": 8, "nEmbd2": 12}),
    ("transformer", {"type": "transformer", "vocabSize": 7, "blockSize": 6, "nLayer": 2, "nHead": 2, "nEmbd": 8}),
    (
        "wavenet",
        {
            "type": "wavenet",
            "vocabSize": 7,
            "blockSize": 8,
            "nEmbd": 4,
            "nHidden": 6,
            "batchNorm": True,
            "inputKind": "window",
        },
    ),
]


def as_json(t):
    t = t.detach()
    data = t.flatten().tolist()
    return {"shape": list(t.shape), "data": data}


def randomize(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.3)
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=gen))
            elif name.endswith("num_batches_tracked"):
                b.fill_(3)


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1)


def make_fixture(name, cfg, seed):
    gen = torch.Generator().manual_seed(seed)
    model = build(cfg)
    randomize(model, gen)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    V, block = cfg["vocabSize"], cfg["blockSize"]
    if cfg.get("inputKind") == "window":
        B = 4
        idx = torch.randint(0, V, (B, block), generator=gen)
        targets = torch.randint(0, V, (B,), generator=gen)
    else:
        B, T = 3, block
        idx = torch.randint(0, V, (B, T), generator=gen)
        targets = torch.randint(0, V, (B, T), generator=gen)
        targets[0, -2:] = -1  # padding, as makemore.py marks it
    model = model.double()
    model.eval()
    with torch.no_grad():
        logits = model(idx)
        out = {
            "name": name,
            "config": cfg,
            "idx": as_json(idx),
            "targets": as_json(targets),
            "logits": as_json(logits),
            "loss": loss_of(logits, targets).item(),
        }
        if any(isinstance(m, nn.BatchNorm1d) for m in model.modules()):
            model.train()
            logits = model(idx)
            out["train"] = {
                "logits": as_json(logits),
                "loss": loss_of(logits, targets).item(),
                "buffers": {k: as_json(v) for k, v in model.state_dict().items() if "running" in k},
            }
    # Gradients of the training-mode loss (BatchNorm uses batch statistics, as a training step would).
    model.train()
    loss = loss_of(model(idx), targets)
    loss.backward()
    grads = {name: p.grad.float() for name, p in model.named_parameters()}
    out["trainLoss"] = loss.item()
    out["numParams"] = sum(p.numel() for p in model.parameters())
    return state, grads, out


# makemore.py's defaults on names.txt: 27 tokens, block 16 (longest name 15 + 1), n_embd 64, n_embd2 64,
# 4 layers, 4 heads. WaveNet has no makemore.py default; the lecture's configuration is used.
DEFAULTS = {"vocabSize": 27, "blockSize": 16, "nEmbd": 64, "nEmbd2": 64, "nLayer": 4, "nHead": 4}
LECTURE_WAVENET = {"type": "wavenet", "vocabSize": 27, "blockSize": 8, "nEmbd": 24, "nHidden": 128, "batchNorm": True}


def param_counts():
    counts = {}
    for kind in ["bigram-nn", "mlp", "rnn", "gru", "lstm", "bow", "transformer"]:
        cfg = {"type": kind, **DEFAULTS}
        if kind == "mlp":
            cfg["inputKind"] = "sequence"  # makemore.py's MLP: a prediction at every position, a blank token
        counts[kind] = {"config": cfg, "numParams": sum(p.numel() for p in build(cfg).parameters())}
    counts["wavenet"] = {
        "config": LECTURE_WAVENET,
        "numParams": sum(p.numel() for p in build(LECTURE_WAVENET).parameters()),
    }
    return counts


def write_json(path, obj):
    """One top-level key per line: readable diffs without one line per number."""
    lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in obj.items()]
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def self_check():
    """Checks the hand-written pieces against PyTorch's own implementations of the same math."""
    gen = torch.Generator().manual_seed(0)
    E, H, B, T = 3, 4, 2, 5
    x, h, c = torch.randn(B, E, generator=gen), torch.randn(B, H, generator=gen), torch.randn(B, H, generator=gen)
    ours, ref = LSTMCell(E, H), nn.LSTMCell(E, H)
    with torch.no_grad():  # nn.LSTMCell stacks the gates as i, f, g (our cbar), o
        gates = [ours.xh_to_i, ours.xh_to_f, ours.xh_to_cbar, ours.xh_to_o]
        ref.weight_ih.copy_(torch.cat([g.weight[:, :E] for g in gates]))
        ref.weight_hh.copy_(torch.cat([g.weight[:, E:] for g in gates]))
        ref.bias_ih.copy_(torch.cat([g.bias for g in gates]))
        ref.bias_hh.zero_()
        h1, c1 = ours(x, (h, c))
        h2, c2 = ref(x, (h, c))
        assert torch.allclose(h1, h2, atol=1e-6) and torch.allclose(c1, c2, atol=1e-6), "LSTM cell"
        y = torch.randn(B, T, 8, generator=gen)
        assert torch.allclose(new_gelu(y), F.gelu(y, approximate="tanh"), atol=1e-6), "GELU"
        mean = y.cumsum(1) / torch.arange(1, T + 1).view(1, T, 1)
        assert torch.allclose(CausalBoW(T)(y), mean, atol=1e-6), "causal BoW"
        attn = CausalSelfAttention(T, 8, 2)
        q, k, v = (a.view(B, T, 2, 4).transpose(1, 2) for a in attn.c_attn(y).split(8, dim=2))
        sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, 8)
        assert torch.allclose(attn(y), attn.c_proj(sdpa), atol=1e-5), "attention"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    self_check()
    torch.manual_seed(0)
    for i, (name, cfg) in enumerate(FIXTURES):
        state, grads, out = make_fixture(name, cfg, seed=1337 + i)
        meta = {"format": "pt", "fixture": name, "generator": "packages/models/scripts/make_fixtures.py"}
        write_safetensors(os.path.join(args.out, f"{name}.safetensors"), state, meta)
        write_safetensors(os.path.join(args.out, f"{name}.grad.safetensors"), grads, {**meta, "content": "gradients"})
        write_json(os.path.join(args.out, f"{name}.json"), out)
    write_json(os.path.join(args.out, "param-counts.json"), {"counts": param_counts()})
    print(f"wrote {len(FIXTURES)} fixtures and param-counts.json to {os.path.normpath(args.out)}")


if __name__ == "__main__":
    main()
