#!/usr/bin/env bash
# Builds <repo>/.gpu/ (git-ignored): everything bench/webgpu/webgpu-node.ts needs on a Linux x86-64 machine that has
# a GPU driver but no Node.js, no node_modules and no network; and, for the same machine's CPU, the kernel
# bench and the CLI (`bash .gpu/many-core.sh`: wasm kernels by route and thread count, GPT steps by threads).
#
#   bash bench/webgpu/webgpu-node-pack.sh      (from anywhere; needs built dist/ folders (`pnpm build`),
#                                               `pnpm install`, xz, and apt-get for the .deb)
#
# .gpu/webgpu-node.mjs       the script and all JS dependencies, one ESM file (esbuild), `webgpu` external
# .gpu/node_modules/webgpu/  the native package, linux-x64 dawn.node only
# .gpu/node.xz               this machine's Node 20 binary, xz -9 (needs only glibc and libstdc++)
# .gpu/debs/*.deb            the Vulkan loader and libglvnd, for a machine that lacks them
# .gpu/data/                 names.txt and shakespeare.txt (byte-exact: the loader checks their sha256)
# .gpu/run.sh                bench/webgpu/webgpu-node-run.sh
# .gpu/kernels.mjs, cli.mjs  packages/backend/bench/kernels.ts and the built CLI, bundled; tfjs-backend-wasm's binaries and
#                            glue in .gpu/node_modules (read from disk at run time)
# .gpu/many-core.sh          bench/webgpu/many-core-run.sh
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/../.." && pwd)"
BACKEND="$ROOT/packages/backend"
DEST="$ROOT/.gpu"
DATA_SRC="${MAKEMORE_DATA_DIR:-$ROOT/../shared/datasets}"
mkdir -p "$DEST/data"

# 0. Typecheck the script against the built packages (no package's typecheck covers the root bench/: it
#    needs every package built). tsconfig.json maps the package names to their dist/.
"$ROOT/node_modules/.bin/tsc" -p "$BENCH/tsconfig.json" --noEmit

# 1. Bundle, resolving the package names through the same tsconfig.json. The banner gives the ESM bundle a
#    `require` for the CommonJS packages inside it.
ESBUILD="$(ls -d "$ROOT"/node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | sort -V | tail -n1)"
"$ESBUILD" "$BENCH/webgpu-node.ts" --bundle --platform=node --format=esm --target=node20 \
  --tsconfig="$BENCH/tsconfig.json" --external:webgpu --outfile="$DEST/webgpu-node.mjs" --log-level=warning \
  --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

# 2. The native webgpu package (not a dependency of the workspace: 132 MB for five platforms), fetched from
#    the npm registry once and kept in .gpu-cache/; only this platform's binary goes into the bundle.
WEBGPU_VERSION=0.6.2
CACHE="$ROOT/.gpu-cache"
WEBGPU="$CACHE/webgpu-$WEBGPU_VERSION/package"
if [ ! -f "$WEBGPU/dist/linux-x64/dawn.node" ]; then
  mkdir -p "$CACHE/webgpu-$WEBGPU_VERSION"
  (cd "$CACHE" && npm pack "webgpu@$WEBGPU_VERSION" --silent >/dev/null)
  tar -xzf "$CACHE/webgpu-$WEBGPU_VERSION.tgz" -C "$CACHE/webgpu-$WEBGPU_VERSION"
fi
rm -rf "$DEST/node_modules/webgpu"
mkdir -p "$DEST/node_modules/webgpu/dist/linux-x64"
cp "$WEBGPU/package.json" "$WEBGPU/index.js" "$WEBGPU/LICENSE.md" "$DEST/node_modules/webgpu/"
cp "$WEBGPU/dist/linux-x64/dawn.node" "$DEST/node_modules/webgpu/dist/linux-x64/"

# 3. Node (only when missing or older than the binary: xz -9 takes a minute or two).
NODE_BIN="$(command -v node)"
NODE_BIN="$(readlink -f "$NODE_BIN")"
if [ ! -f "$DEST/node.xz" ] || [ "$NODE_BIN" -nt "$DEST/node.xz" ]; then
  xz -T2 -9 -c "$NODE_BIN" > "$DEST/node.xz.tmp" && mv "$DEST/node.xz.tmp" "$DEST/node.xz"
fi

# 4. The Vulkan loader and libglvnd .debs, for a machine that lacks them: the NVIDIA Vulkan driver
#    (libGLX_nvidia.so.0) fails to load without libGLdispatch.so.0. apt-get download needs no root.
mkdir -p "$DEST/debs"
if ! ls "$DEST"/debs/libglvnd0_*.deb >/dev/null 2>&1; then
  (cd "$DEST/debs" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2)
fi

# 5. Data and the runner.
cp "$DATA_SRC/names.txt" "$DATA_SRC/shakespeare.txt" "$DEST/data/"
cp "$BENCH/webgpu-node-run.sh" "$DEST/run.sh"
chmod +x "$DEST/run.sh"

# 6. The CPU side: packages/backend/bench/kernels.ts and the CLI, bundled. The banner gives the ESM bundles `require` and
#    `__dirname`, which the CommonJS and Emscripten code inside expect; --ignore-annotations keeps the
#    CLI's side-effect imports that its package marks pure.
BANNER="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url';"
BANNER="$BANNER import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url);"
BANNER="$BANNER const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
"$ESBUILD" "$BACKEND/bench/kernels.ts" --bundle --platform=node --format=esm --target=node20 \
  --outfile="$DEST/kernels.mjs" --log-level=error --banner:js="$BANNER"
"$ESBUILD" "$ROOT/apps/cli/dist/bin.js" --bundle --platform=node --format=esm --target=node20 \
  --outfile="$DEST/cli.mjs" --log-level=error --ignore-annotations --banner:js="$BANNER" \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu
WASM_PKG="$(cd "$BACKEND/node_modules/@tensorflow/tfjs-backend-wasm" && pwd -P)"
WASM_DEST="$DEST/node_modules/@tensorflow/tfjs-backend-wasm"
rm -rf "$WASM_DEST" && mkdir -p "$WASM_DEST/dist" "$WASM_DEST/wasm-out"
cp "$WASM_PKG/package.json" "$WASM_DEST/"
cp "$WASM_PKG"/dist/*.wasm "$WASM_DEST/dist/"
cp "$WASM_PKG"/wasm-out/* "$WASM_DEST/wasm-out/"
cp "$BENCH/many-core-run.sh" "$DEST/many-core.sh"
chmod +x "$DEST/many-core.sh"

du -ab "$DEST" | sort -n | tail -n 12
echo "total: $(du -sb "$DEST" | cut -f1) bytes ($(du -sh "$DEST" | cut -f1))"
