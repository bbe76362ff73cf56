#!/usr/bin/env bash
# The bundled model's documented run (README, "The bundled model"): the
# synthetic set, then two training phases on it, timed together.
#
#   scripts/train_bundled.sh [--hour] [--arch NAME] [WORK_DIR]
#
# WORK_DIR defaults to /tmp/dypose-bundled, with --hour to /tmp/dypose-hour.
# --arch trains another architecture with the same recipe (the paper's
# comparison: mnv3-small-baseline-lat-hc32, …-dyrelu-a-…, …-dyrelu-b-…); its
# default WORK_DIR ends in -NAME, so it never resumes the paper's network.
#
# Phase 1 trains at 192x128 with the cosine stopping at 2e-4; phase 2 starts
# from its weights (fresh Adam, new warm-up) at 224x160, where each epoch is
# worth more but costs 1.4x as much. The bundled model trained 40 + 16 epochs
# (about 3.9 hours on 2 cores at run P's pace, 6 on a slower host); --hour
# runs 10 + 4, run P, the run that fits the hour (58 minutes).
# Phase 2 has its own seed because a run's epoch e draws its order and
# augmentation from (seed, e): with phase 1's seed it would repeat phase 1's
# first epochs. Started again with the same WORK_DIR, each phase resumes from
# its last.safetensors (bit-exact; a finished phase exits at once), so the
# two modes must not share a WORK_DIR: a resumed run keeps its checkpoint's
# progress whatever --epochs says.
# The model to ship is WORK_DIR/phase2/best-f16.safetensors.
set -euo pipefail

# The bundled model's epochs, or the hour's.
p1=(--epochs 40 --val-every 10)
p2=(--epochs 16 --val-every 4)
work=/tmp/dypose-bundled
paper_arch=mnv3-small-dyrelu-c-lat-hc32
arch=$paper_arch
while [[ ${1:-} == --* ]]; do
  case $1 in
    --hour)
      p1=(--epochs 10 --val-every 5)
      p2=(--epochs 4 --val-every 2)
      work=/tmp/dypose-hour
      shift ;;
    --arch)
      [[ $# -ge 2 ]] || { echo "train_bundled: --arch needs a NAME" >&2; exit 2; }
      arch=$2
      shift 2 ;;
    *) echo "train_bundled: unknown option $1 (usage: train_bundled.sh [--hour] [--arch NAME] [WORK_DIR])" >&2; exit 2 ;;
  esac
done
bin=${KEYPOINTS:-bin/keypoints}
[[ $arch == "$paper_arch" ]] || work=$work-$arch
work=${1:-$work}
[[ -x $bin ]] || { echo "train_bundled: $bin not found; run make build first" >&2; exit 1; }

common=(--arch "$arch" --batch 16 --replicas 2 --schedule cosine-iter
  --box-padding 1.0625 --sigma 2 --unbiased --loss-weight 1000 --scale-factor 0.2 --rot-factor 0
  --half-body-prob 0)
r1=() r2=()
[[ -f $work/phase1/last.safetensors ]] && r1=(--resume "$work/phase1/last.safetensors")
[[ -f $work/phase2/last.safetensors ]] && r2=(--resume "$work/phase2/last.safetensors")

start=$(date +%s)
# synth writes each split's annotations after its images: both files mean a whole set.
[[ -f $work/data/annotations/person_keypoints_train.json && -f $work/data/annotations/person_keypoints_val.json ]] ||
  "$bin" synth --out "$work/data" --train 12000 --val 300 --seed 1
"$bin" train --data "$work/data" --out "$work/phase1" "${common[@]}" "${p1[@]}" --input 192x128 \
  --lr 2e-3 --min-lr 2e-4 --warmup-iters 300 --seed 1 "${r1[@]}"
"$bin" train --data "$work/data" --out "$work/phase2" "${common[@]}" "${p2[@]}" --input 224x160 \
  --init "$work/phase1/last.safetensors" --lr 1e-3 --warmup-iters 100 --seed 2 "${r2[@]}"
echo "wall seconds: $(($(date +%s) - start))"
echo "model: $work/phase2/best-f16.safetensors"
