// Package bench times dypose's pose network the way `keypoints bench` and
// scripts/bench_torch.py report it: inference of the fused, eval-mode model
// on crops at batch 1 and 8, and one training step (forward, JointsMSE,
// backward, Adam) at batch 32, each after warm-up, as a median with its
// spread, plus allocations per inference and peak memory.
//
// # Measurements
//
// Every phase runs Warmup untimed iterations, then Reps timed ones; Stats
// gives the median, min, max and interquartile range. Allocations per
// inference are the runtime.MemStats Mallocs delta over the timed batch-1
// loop divided by its length (0 is the target: every layer reuses its
// buffers). Peak memory is the largest HeapInuse and Sys seen between
// phases and the process high-water RSS (VmHWM in /proc/self/status).
//
// # Threads
//
// Options.Threads sets GOMAXPROCS and the OpenBLAS thread count
// (nn.SetBLASThreads) for the run and restores both afterwards;
// Options.BLASThreads overrides the OpenBLAS count (1 lets dypose's own
// goroutines use the cores, see notes/speed.md). The PyTorch peer uses
// torch.set_num_threads with the Threads value.
//
// # Errors
//
// Run returns an error for bad options (unknown architecture, non-positive
// sizes); reading /proc is best effort (VmHWM is 0 where it is missing).
//
// # Example
//
//	res, err := bench.Run(bench.Options{Arch: "mnv3-small-dyrelu-c", Threads: 2,
//		InputH: 256, InputW: 192, Reps: 20, Warmup: 3, TrainReps: 3})
//	if err != nil { return err }
//	fmt.Printf("%.2f ms/crop\n", res.InferB1Ms)
package bench
