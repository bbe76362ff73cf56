package nn_test

import (
	"fmt"

	"github.com/dypose/dypose/nn"
)

// A training loop drives Adam with a schedule: warm-up over the first
// iterations, then steps down at the milestones.
func ExampleNewAdam() {
	w := nn.NewParam("weight", 1)
	w.Value.Data[0] = 1
	opt := nn.NewAdam([]*nn.Param{w}, nn.DefaultAdam())
	sched := nn.Warmup{Schedule: nn.MultiStep{Base: 0.1, Milestones: []int{2}, Gamma: 0.1}, Iters: 2, Ratio: 0.001}
	const itersPerEpoch = 1
	for epoch := range 3 {
		for i := range itersPerEpoch {
			opt.SetLR(sched.LR(epoch, epoch*itersPerEpoch+i))
			nn.ZeroGrad([]*nn.Param{w})
			w.Grad.Data[0] = 2 * w.Value.Data[0] // minimise w²
			opt.Step()
		}
		fmt.Printf("epoch %d: lr %.4g, w %.4f\n", epoch, opt.LR(), w.Value.Data[0])
	}
	// Output:
	// epoch 0: lr 0.0001, w 0.9999
	// epoch 1: lr 0.05005, w 0.9499
	// epoch 2: lr 0.01, w 0.9399
}

// JointsMSELoss compares heatmaps (N,K,H,W) joint by joint; a zero target
// weight removes a joint from the loss and its gradient.
func ExampleJointsMSELoss() {
	pred := nn.FromData([]float32{1, 3, 2, 2}, 1, 2, 1, 2) // N=1, K=2, 1×2 heatmaps
	target := nn.New(1, 2, 1, 2)
	weight := nn.FromData([]float32{1, 0}, 1, 2)
	loss := nn.JointsMSELoss{UseTargetWeight: true}
	fmt.Println(loss.Forward(pred, target, weight))
	fmt.Println(loss.Backward().Data)
	// Output:
	// 1.25
	// [0.25 0.75 0 0]
}
