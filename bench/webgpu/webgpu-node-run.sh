#!/usr/bin/env bash
# run.sh of the self-contained `.gpu/` folder that bench/webgpu/webgpu-node-pack.sh builds: runs the
# webgpu-node benchmark (bench/webgpu/webgpu-node.ts, bundled) on a machine with no Node.js and no node_modules.
#
#   bash .gpu/run.sh [--quick] [--allow-software] [--skip-correctness] [--skip-speed] [--only gpt,mlp]
#
# Steps: unpack the bundled Node 20 binary; use the system Vulkan loader, or the one from the bundled
# libvulkan1 .deb (unpacked under the work folder, put on LD_LIBRARY_PATH; no root, nothing installed); point
# the loader at the NVIDIA ICD when one is found; run the bundle with the bundled datasets. With OUT set, the
# JSON summary and the full log go to $OUT. Environment overrides: VK_DRIVER_FILES, WEBGPU_DAWN_OPTIONS
# (e.g. "backend=vulkan"), WEBGPU_NODE_BUNDLED_VULKAN=1 (use the bundled loader even if the system has one),
# WEBGPU_NODE_TIMEOUT (seconds, default 560), WEBGPU_NODE_WORK (work folder).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${WEBGPU_NODE_WORK:-${TMPDIR:-/tmp}/webgpu-node-run}"
mkdir -p "$WORK"
say() { printf '[run.sh] %s\n' "$*"; }
START=$(date +%s)

# 1. Node 20 (x86-64 Linux, needs glibc + libstdc++ only).
NODE="$WORK/node"
if [ ! -x "$NODE" ] || [ "$HERE/node.xz" -nt "$NODE" ]; then
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$HERE/node.xz" > "$NODE.tmp"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      "$HERE/node.xz" "$NODE.tmp"
  fi || { say "FAIL: cannot decompress $HERE/node.xz"; exit 10; }
  chmod +x "$NODE.tmp" && mv "$NODE.tmp" "$NODE"
fi
say "node $("$NODE" --version 2>&1) ($(uname -sm); $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"))"

# 2. Vulkan loader: the system's, else the bundled .deb's.
# The Vulkan loader and libglvnd (the NVIDIA ICD, libGLX_nvidia.so.0, needs libGLdispatch.so.0): the
# system's when it has both, else the bundled .debs unpacked under $WORK (no root, nothing overwritten).
if [ -z "${WEBGPU_NODE_BUNDLED_VULKAN:-}" ] && ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 ' \
  && ldconfig -p 2>/dev/null | grep -q 'libGLdispatch\.so\.0 '; then
  say "Vulkan loader and libglvnd: system ($(ldconfig -p | grep -m1 'libvulkan\.so\.1 ' | sed 's/.*=> //'))"
else
  DEBS="$(ls "$HERE"/debs/*.deb 2>/dev/null)"
  if [ -z "$DEBS" ]; then say "FAIL: the system lacks libvulkan.so.1 or libGLdispatch.so.0 and $HERE/debs is empty"; exit 11; fi
  rm -rf "$WORK/vk" && mkdir -p "$WORK/vk"
  for DEB in $DEBS; do
    if command -v dpkg-deb >/dev/null 2>&1; then
      dpkg-deb -x "$DEB" "$WORK/vk"
    else
      python3 - "$DEB" "$WORK/vk" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tar = tarfile.open(fileobj=io.BytesIO(body))
        tar.extractall(sys.argv[2], **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    pos += 60 + size + (size % 2)
PY
    fi || { say "FAIL: cannot unpack $DEB"; exit 12; }
  done
  export LD_LIBRARY_PATH="$WORK/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "Vulkan loader and libglvnd: bundled ($(cd "$HERE/debs" && ls | tr '\n' ' ')) unpacked in $WORK/vk"
fi

for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then
      export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"
      break
    fi
  done
fi
if [ -n "${VK_DRIVER_FILES:-}" ]; then
  say "VK_DRIVER_FILES=$VK_DRIVER_FILES: $(tr -d '\n ' < "${VK_DRIVER_FILES%%:*}" 2>/dev/null | cut -c1-200)"
  lib="$(sed -n 's/.*"library_path"[^"]*"\([^"]*\)".*/\1/p' "${VK_DRIVER_FILES%%:*}" 2>/dev/null | head -n1)"
  if [ -n "$lib" ]; then
    found=""
    for d in ${LD_LIBRARY_PATH//:/ } /usr/lib/x86_64-linux-gnu /usr/lib64 /lib/x86_64-linux-gnu; do
      [ -e "$d/$lib" ] && found="$d/$lib" && break
    done
    [ -z "$found" ] && ldconfig -p 2>/dev/null | grep -q " $lib " && found="(ldconfig) $lib"
    say "ICD library $lib: ${found:-NOT FOUND (the container may lack the NVIDIA graphics/Vulkan libraries)}"
  fi
else
  say "no nvidia_icd.json found; the Vulkan loader searches its default folders"
fi
command -v nvidia-smi >/dev/null 2>&1 && say "nvidia-smi: $(nvidia-smi -L 2>&1 | head -n2 | tr '\n' ' ')"

# 4. Run. Dawn's two "artificially reduced" limit warnings per device are harmless and filtered out.
export MAKEMORE_DATA_DIR="$HERE/data"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WORK}"
LOG="$WORK/webgpu-node.log"
say "setup took $(($(date +%s) - START)) s; running webgpu-node.mjs $*"
timeout "${WEBGPU_NODE_TIMEOUT:-560}" "$NODE" "$HERE/webgpu-node.mjs" "$@" 2>&1 |
  grep --line-buffered -v 'artificially reduced' | tee "$LOG"
code=${PIPESTATUS[0]}
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && cp "$LOG" "$OUT/webgpu-node.log"; fi
[ "$code" = 124 ] && say "TIMEOUT after ${WEBGPU_NODE_TIMEOUT:-560} s"
say "exit code $code after $(($(date +%s) - START)) s"
exit "$code"
