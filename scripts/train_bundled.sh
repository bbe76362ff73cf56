#!/usr/bin/env bash
# The bundled model's documented run (README, "The bundled model"): the
# synthetic set, then two training phases on it, timed together.
#
#   scripts/train_bundled.sh [WORK_DIR]        # default /tmp/dypose-bundled
#
# Phase 1 trains at 192x128 for 10 epochs with the cosine stopping at 2e-4;
# phase 2 starts from its weights (fresh Adam, new warm-up) and trains 4
# epochs at 224x160, where each epoch is worth more but costs 1.4x as much.
# Phase 2 has its own seed because a run's epoch e draws its order and
# augmentation from (seed, e): with phase 1's seed it would repeat phase 1's
# first four epochs. The model to ship is WORK_DIR/phase2/best-f16.safetensors.
set -euo pipefail

bin=${KEYPOINTS:-bin/keypoints}
work=${1:-/tmp/dypose-bundled}
[[ -x $bin ]] || { echo "train_bundled: $bin not found; run make build first" >&2; exit 1; }

common=(--arch mnv3-small-dyrelu-c-lat-hc32 --batch 16 --replicas 2 --schedule cosine-iter
  --box-padding 1.0625 --sigma 2 --unbiased --loss-weight 1000 --scale-factor 0.2 --rot-factor 0
  --half-body-prob 0)

start=$(date +%s)
"$bin" synth --out "$work/data" --train 12000 --val 300 --seed 1
"$bin" train --data "$work/data" --out "$work/phase1" "${common[@]}" --input 192x128 --epochs 10 \
  --lr 2e-3 --min-lr 2e-4 --warmup-iters 300 --val-every 5 --seed 1
"$bin" train --data "$work/data" --out "$work/phase2" "${common[@]}" --input 224x160 --epochs 4 \
  --init "$work/phase1/last.safetensors" --lr 1e-3 --warmup-iters 100 --val-every 2 --seed 2
echo "wall seconds: $(($(date +%s) - start))"
echo "model: $work/phase2/best-f16.safetensors"
