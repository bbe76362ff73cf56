#!/usr/bin/env bash
# End-to-end video speed (issue 8): a 640×480 clip with real people in
# every frame, run through `keypoints video` with HOG every N frames and no
# flip test, and the per-stage summary printed.
#
#   scripts/bench_video.sh [MODEL] [extra `keypoints video` flags...]
#
# The clip is made from OpenCV's sample vtest.avi (Debian package
# opencv-doc, fetched with `apt-get download` and unpacked into
# $DYPOSE_CACHE, default ~/.cache/dypose; nothing is installed) by
# scripts/zoomclip, which enlarges the region where the pedestrians walk
# so that they stand ~130 px tall. Environment: DET_INTERVAL (5).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${DYPOSE_CACHE:-$HOME/.cache/dypose}
model=${1:-models/mnv3-small-dyrelu-c-synth.safetensors}
shift || true
mkdir -p "$cache"
vtest=$cache/vtest.avi
if [ ! -s "$vtest" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download opencv-doc >/dev/null)
	dpkg-deb --fsys-tarfile "$tmp"/opencv-doc_*.deb |
		tar -x -C "$tmp" ./usr/share/doc/opencv-doc/examples/data/vtest.avi
	mv "$tmp/usr/share/doc/opencv-doc/examples/data/vtest.avi" "$vtest"
fi
clip=$cache/people640.avi
[ -s "$clip" ] || go run ./scripts/zoomclip -in "$vtest" -out "$clip"
go build -o bin/keypoints ./cmd/keypoints
out=$(mktemp -d)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg); model $model"
bin/keypoints video --model "$model" --det-interval "${DET_INTERVAL:-5}" \
	--out "$out/video.mp4" --jsonl "$out/video.jsonl" "$@" "$clip"
echo "outputs in $out"
