#!/usr/bin/env bash
# Runs `keypoints bench` and scripts/bench_torch.py back to back, per
# architecture, in one shell, and prints a markdown table of ours/PyTorch.
#
#   scripts/bench_compare.sh [THREADS] [ARCH...]
#
# Environment: REPS (20), TRAIN_REPS (3), WARMUP (3), INPUT (256x192),
# SKIP_TRAIN=1 for inference only, BLAS_THREADS=B for OpenBLAS threads (ours; default 1) other
# than THREADS (ours only). PyTorch runs with OMP_WAIT_POLICY=PASSIVE: on a shared machine OpenMP's spinning barriers made its 2-thread inference
# 10-100x slower (seconds per crop), which would flatter us.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
shift || true
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(mnv3-small-dyrelu-c mnv3-small-baseline mnv3-large-dyrelu-c)
reps=${REPS:-20} train_reps=${TRAIN_REPS:-3} warmup=${WARMUP:-3} input=${INPUT:-256x192}
skip=()
blas=()
[ -n "${BLAS_THREADS:-}" ] && blas=(--blas-threads "$BLAS_THREADS")
[ "${SKIP_TRAIN:-0}" = 1 ] && skip=(--skip-train)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/keypoints" ./cmd/keypoints

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for a in "${archs[@]}"; do
	"$tmp/keypoints" bench --arch "$a" --threads "$threads" --input "$input" --reps "$reps" \
		--train-reps "$train_reps" --warmup "$warmup" "${skip[@]}" "${blas[@]}" --json >>"$tmp/go.jsonl"
	OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bench_torch.py --arch "$a" --threads "$threads" --input "$input" \
		--reps "$reps" --train-reps "$train_reps" --warmup "$warmup" "${skip[@]}" --json >>"$tmp/torch.jsonl"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); threads $threads, input $input, $reps reps (train $train_reps)"
echo
/usr/bin/python3 - "$tmp/go.jsonl" "$tmp/torch.jsonl" <<'PY'
import json, sys
go = {r["arch"]: r for r in map(json.loads, open(sys.argv[1]))}
pt = {r["arch"]: r for r in map(json.loads, open(sys.argv[2]))}
def cell(r, k):
    v = r.get(k)
    if v is None:
        return "–", None
    lo, hi = r.get(k.replace("_ms", "_min_ms")), r.get(k.replace("_ms", "_max_ms"))
    return f"{v:.1f} ({lo:.1f}–{hi:.1f})", v
print("| arch | measure | ours ms (min–max) | PyTorch ms (min–max) | ours/PyTorch |")
print("|---|---|---|---|---|")
for a, g in go.items():
    p = pt[a]
    for k, name in (("infer_b1_ms", "infer b1"), ("infer_b8_ms", "infer b8"), ("train_b32_ms", "train b32")):
        gs, gv = cell(g, k)
        ps, pv = cell(p, k)
        ratio = f"**{gv / pv:.2f}**" if gv and pv else "–"
        print(f"| {a} | {name} | {gs} | {ps} | {ratio} |")
print()
print("| arch | params | allocs/infer (ours) | peak RSS ours MiB | peak RSS PyTorch MiB |")
print("|---|---|---|---|---|")
for a, g in go.items():
    print(f"| {a} | {g['params']} | {g['allocs_per_infer']:.1f} | {g['peak_rss_mib']:.0f} | {pt[a]['peak_rss_mib']:.0f} |")
b, c = go.get("mnv3-small-baseline"), go.get("mnv3-small-dyrelu-c")
if b and c:
    print()
    print("DY-ReLU-C overhead in dypose (mnv3-small-dyrelu-c / mnv3-small-baseline): "
          + ", ".join(f"{n} {c[k] / b[k]:.2f}x" for k, n in (("infer_b1_ms", "b1"), ("infer_b8_ms", "b8"), ("train_b32_ms", "train"))
                      if c.get(k) and b.get(k)))
    bp, cp = pt.get("mnv3-small-baseline"), pt.get("mnv3-small-dyrelu-c")
    if bp and cp:
        print("... in PyTorch: " + ", ".join(f"{n} {cp[k] / bp[k]:.2f}x" for k, n in (("infer_b1_ms", "b1"), ("infer_b8_ms", "b8"), ("train_b32_ms", "train"))
                                            if cp.get(k) and bp.get(k)))
PY
