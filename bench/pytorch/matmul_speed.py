"""PyTorch's float32 matrix product rate on the baby GPT's shapes, for bench/simd-peak's ceiling.

    python3 bench/pytorch/matmul_speed.py [--threads 1]     (prints one JSON line)
"""

import argparse
import json
import time

import torch


def gflops(m: int, k: int, n: int, rounds: int = 7, reps: int = 20) -> float:
    a = torch.randn(m, k)
    b = torch.randn(k, n)
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        best = max(best, reps * 2 * m * k * n / (time.perf_counter() - start) / 1e9)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    shapes = {"768x128 @ 128x512": (768, 128, 512), "512x512 @ 512x512": (512, 512, 512)}
    print(json.dumps({f"torch GFLOP/s, {name}": round(gflops(*s), 1) for name, s in shapes.items()}))


if __name__ == "__main__":
    main()
