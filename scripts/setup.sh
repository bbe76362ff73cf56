#!/usr/bin/env bash
# setup.sh installs what dypose needs to build and test on Debian 12 (bookworm).
# Idempotent: packages already present are skipped, so running it twice is cheap.
#
#   scripts/setup.sh          build dependencies (OpenCV 4.6, OpenBLAS, pkg-config, gcc)
#   scripts/setup.sh --torch  also PyTorch 1.13 (CPU) and numpy, only needed to
#                             regenerate fixtures or run scripts/bench_*.py
set -euo pipefail

want=(libopencv-dev libopenblas-dev pkg-config gcc g++ ca-certificates)
if [[ "${1:-}" == "--torch" ]]; then
	want+=(python3-torch python3-numpy python3-opencv)
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo"
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v go >/dev/null || { echo "setup: Go 1.26 or newer is required (https://go.dev/dl)" >&2; exit 1; }
pkg-config --exists opencv4 || { echo "setup: pkg-config cannot find opencv4 after install" >&2; exit 1; }
pkg-config --exists openblas || { echo "setup: pkg-config cannot find openblas after install" >&2; exit 1; }
go mod download
echo "setup: ok ($(go version | cut -d' ' -f3), OpenCV $(pkg-config --modversion opencv4), OpenBLAS $(pkg-config --modversion openblas))"
