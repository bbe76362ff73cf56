// Package train trains dypose's top-down pose networks (package pose) on a
// COCO-layout keypoint data set (package coco) and validates them with the
// COCO keypoint evaluation (package eval).
//
// # Recipe
//
// Config holds one run; Default is SimpleBaseline's COCO recipe as the
// DY-ReLU paper (Chen et al., "Dynamic ReLU", ECCV 2020,
// https://arxiv.org/abs/2003.10027) trains its keypoint networks: Adam at
// 1e-3, 210 epochs, ×0.1 at epochs 170 and 200, batch 32, 256×192 input,
// 64×48 heatmaps with σ = 2, JointsMSELoss with target weights, 500
// iterations of linear warm-up from 0.001 of the rate, SimpleBaseline's
// augmentation (scale, rotation, flip, half body). OHKMTopK switches the
// loss to SimpleBaseline's online hard keypoint mining variant. LoadConfig
// reads the same fields from JSON or YAML.
//
// # Determinism and checkpoints
//
// Every random choice comes from Config.Seed: the initial weights, and for
// epoch e the sample order and augmentation from (Seed, e). A run's state
// is therefore its weights, the optimiser's moments and step, and the
// (epoch, batch) it reached, with the weight average when
// Config.EMADecay keeps one; last.safetensors holds exactly that (model
// tensors under their own names, optimiser state under "optim.", the
// average under "ema.", counters and the config in the metadata), written
// atomically every epoch and when the context ends. Resuming from it skips
// the batches already seen and reproduces an uninterrupted run's losses
// bit for bit. best.safetensors is a model-only checkpoint (pose.Load) of
// the epoch with the best validation AP: of the average when there is one,
// which is what validation evaluates.
//
// # Parallelism
//
// By default one model trains on each batch; the layers spread each
// operation over the cores themselves (OpenBLAS GEMM threads,
// nn.ParallelFor over channels and planes in convolutions, BN, DY-ReLU and
// Adam), and the coco.Loader decodes and augments the next batches in
// parallel goroutines. Config.Replicas cuts each batch into slices that
// copies of the model sharing its weights train at once, their gradients
// summed before the step and their BatchNorm layers synchronised
// (nn.BatchSync), so the statistics stay the whole batch's, as in PyTorch
// on one device.
//
// # Errors
//
// Bad configs, missing data, unreadable or mismatched checkpoints (another
// architecture: pose.ErrArchMismatch) and unwritable run directories are
// reported before training starts; a NaN or infinite loss stops the run
// with ErrNonFinite naming the epoch and iteration. Shape mismatches
// between the model and the data are programmer errors and panic.
//
// # Example
//
//	cfg := train.Default()
//	cfg.Data, cfg.Out, cfg.Input, cfg.Epochs = "data/synth", "runs/a", "128x96", 20
//	res, err := train.Train(ctx, cfg, train.Options{Progress: os.Stderr})
//	// res.BestAP; runs/a/best.safetensors loads with pose.Load
package train
