package dyrelu_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/dypose/dypose/dyrelu"
	"github.com/dypose/dypose/nn"
)

// A DY-ReLU-C activation for 24 channels: forward, backward and its cost.
func ExampleNew() {
	rng := rand.New(rand.NewPCG(1, 2))
	act := dyrelu.New(dyrelu.C, 24, dyrelu.DefaultConfig(), rng)
	x := nn.New(2, 24, 8, 6)
	nn.Uniform(x, 1, rng)

	y := act.Forward(x)             // (2, 24, 8, 6)
	dx := act.Backward(y.Clone())   // gradient of ½‖y‖²; adds into act.FC1Weight.Grad, ...
	params, madds := act.Cost(8, 6) // per image
	fmt.Println(y.Shape, dx.Shape, params, madds)
	for _, p := range act.Params() {
		fmt.Println(p.Name, p.Value.Shape)
	}
	// Output:
	// [2 24 8 6] [2 24 8 6] 605 6480
	// fc1.weight [4 24]
	// fc1.bias [4]
	// fc2.weight [96 4]
	// fc2.bias [96]
	// spatial.weight [1 24 1 1]
	// spatial.bias [1]
}

func ExampleParseVariant() {
	for _, s := range []string{"b", "DY-ReLU-C", "dyrelu-x"} {
		v, err := dyrelu.ParseVariant(s)
		fmt.Println(v, err)
	}
	// Output:
	// DY-ReLU-B <nil>
	// DY-ReLU-C <nil>
	// DY-ReLU-A dyrelu: unknown variant "dyrelu-x" (want a, b or c)
}
