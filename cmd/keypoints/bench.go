package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/bench"
	"github.com/dypose/dypose/pose"
)

// newBenchCmd builds `keypoints bench`: inference and training-step timings
// of the full network (bench.Run).
func newBenchCmd() *cli.Command {
	archFlag := &cli.StringFlag{Name: "arch", Value: pose.DefaultArch, Usage: "architecture `NAME` (see `keypoints model summary`)"}
	threadsFlag := &cli.IntFlag{Name: "threads", Value: runtime.NumCPU(), Usage: "`T` for GOMAXPROCS and OpenBLAS (0: leave the process's settings)"}
	blasFlag := &cli.IntFlag{Name: "blas-threads", Value: 1, Usage: "OpenBLAS threads `B` (0: as --threads); 1 by default because dypose's own workers already use every core and idle OpenBLAS threads spin between small GEMMs"}
	inputFlag := &cli.StringFlag{Name: "input", Value: fmt.Sprintf("%dx%d", pose.DefaultInputH, pose.DefaultInputW), Usage: "crop size `HxW`"}
	repsFlag := &cli.IntFlag{Name: "reps", Value: 20, Usage: "timed inference iterations `N` per batch size"}
	warmupFlag := &cli.IntFlag{Name: "warmup", Value: 3, Usage: "untimed iterations `N` before each measurement"}
	trainRepsFlag := &cli.IntFlag{Name: "train-reps", Value: 3, Usage: "timed training steps `N` (batch 32)"}
	skipTrainFlag := &cli.BoolFlag{Name: "skip-train", Usage: "measure inference only"}
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print one JSON object (keys shared with scripts/bench_torch.py)"}
	profFlag := cpuProfileFlag()
	return &cli.Command{
		Name:  "bench",
		Usage: "time inference (batch 1 and 8, BN folded) and a training step (batch 32, Adam) of the full network",
		Description: "Medians over --reps after --warmup, with min/max/IQR, allocations per batch-1 inference and peak\n" +
			"memory. scripts/bench_torch.py measures the PyTorch twin with the same keys;\n" +
			"scripts/bench_compare.sh prints both side by side.",
		Flags: []cli.Flag{archFlag, threadsFlag, blasFlag, inputFlag, repsFlag, warmupFlag, trainRepsFlag, skipTrainFlag, jsonFlag, profFlag},
		Action: func(c *cli.Context) error {
			h, w, err := parseHxW(c.String(inputFlag.Name))
			if err != nil {
				return fmt.Errorf("bench: --%s: %w", inputFlag.Name, err)
			}
			opts := benchOptions{
				Options: bench.Options{
					Arch: c.String(archFlag.Name), Threads: c.Int(threadsFlag.Name),
					BLASThreads: c.Int(blasFlag.Name),
					InputH:      h, InputW: w,
					Reps: c.Int(repsFlag.Name), Warmup: c.Int(warmupFlag.Name),
					TrainReps: c.Int(trainRepsFlag.Name), SkipTrain: c.Bool(skipTrainFlag.Name),
				},
				JSON:       c.Bool(jsonFlag.Name),
				CPUProfile: c.String(profFlag.Name),
			}
			return runBench(c.App.Writer, opts)
		},
	}
}

// benchOptions are bench.Options plus the output choices of the command.
type benchOptions struct {
	bench.Options
	JSON       bool
	CPUProfile string
}

// runBench runs the benchmark (profiled when asked) and prints the result.
func runBench(out io.Writer, opts benchOptions) error {
	var res bench.Result
	err := withCPUProfile("bench", opts.CPUProfile, func() (err error) {
		res, err = bench.Run(opts.Options)
		return err
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(out)
		return enc.Encode(res)
	}
	return writeBench(out, res)
}

// writeBench prints a human-readable report.
func writeBench(out io.Writer, r bench.Result) error {
	_, err := fmt.Fprintf(out,
		"arch %s  input %s  params %d  threads %d (BLAS %d)  BN folded %v\n"+
			"infer b1   median %8.2f ms  min %8.2f  max %8.2f  IQR %6.2f  (%d reps)\n"+
			"infer b8   median %8.2f ms  min %8.2f  max %8.2f  IQR %6.2f  (%.2f ms/crop)\n",
		r.Arch, r.Input, r.Params, r.Threads, r.BLASThreads, r.Fused,
		r.InferB1Ms, r.InferB1MinMs, r.InferB1MaxMs, r.InferB1IQRMs, r.Reps,
		r.InferB8Ms, r.InferB8MinMs, r.InferB8MaxMs, r.InferB8IQRMs, r.InferB8Ms/bench.InferLargeBatch)
	if err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	if r.TrainReps > 0 {
		_, err = fmt.Fprintf(out, "train b32  median %8.2f ms  min %8.2f  max %8.2f  IQR %6.2f  (%d reps)\n",
			r.TrainB32Ms, r.TrainMinMs, r.TrainMaxMs, r.TrainIQRMs, r.TrainReps)
		if err != nil {
			return fmt.Errorf("bench: write: %w", err)
		}
	}
	_, err = fmt.Fprintf(out, "allocs/infer %.1f  peak heap %.1f MiB  sys %.1f MiB  RSS (VmHWM) %.1f MiB\n",
		r.AllocsPerInfer, r.PeakHeapMiB, r.PeakSysMiB, r.PeakRSSMiB)
	if err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	return nil
}
