package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/dypose/dypose/pose"
	"github.com/dypose/dypose/synth"
	"github.com/dypose/dypose/train"
)

func TestTrainCommand(t *testing.T) {
	data := t.TempDir()
	_, err := synth.Generate(context.Background(), synth.Options{Out: data, Train: 2, Val: 1, Seed: 5, Width: 128, Height: 96, Workers: 1})
	require.NoError(t, err)
	run := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "run.yaml")
	// The config sets the recipe; the flags given override it (epochs).
	require.NoError(t, os.WriteFile(cfgPath, []byte("input: 64x64\nbatch: 4\nepochs: 5\nwarmup_iters: 0\nworkers: 2\n"), 0o644))
	prof := filepath.Join(t.TempDir(), "train.pprof")
	out, err := runDataApp(t, "train", "--data", data, "--out", run, "--arch", "mnv3-small-dyrelu-c-w0.25-hc16",
		"--config", cfgPath, "--epochs", "1", "--seed", "3", "--replicas", "2", "--cpuprofile", prof)
	require.NoError(t, err, out)
	st, err := os.Stat(prof)
	require.NoError(t, err, "the CPU profile is written")
	assert.Positive(t, st.Size())
	assert.Contains(t, out, "epoch 1/1")
	assert.Contains(t, out, "val AP")
	for _, f := range []string{train.LastCheckpoint, train.BestCheckpoint, train.HalfCheckpoint, train.MetricsFile} {
		assert.FileExists(t, filepath.Join(run, f))
	}
	m, err := pose.Load(filepath.Join(run, train.HalfCheckpoint))
	require.NoError(t, err)
	assert.Equal(t, 64, m.Meta.InputW, "trained at the config's input size")

	out, err = runDataApp(t, "train", "--validate-only", "--data", data, "--init", filepath.Join(run, train.HalfCheckpoint))
	require.NoError(t, err, out)
	assert.Contains(t, out, "Average Precision")
	assert.Regexp(t, `units no validation crop activates \(dead\): \d+ of \d+`, out)

	// Started again, a finished run trains nothing and says so; into
	// another --out it has no best model to copy.
	again := []string{"train", "--data", data, "--arch", "mnv3-small-dyrelu-c-w0.25-hc16", "--config", cfgPath,
		"--epochs", "1", "--seed", "3", "--resume", filepath.Join(run, train.LastCheckpoint)}
	out, err = runDataApp(t, append(again, "--out", run)...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "nothing left to train")
	_, err = runDataApp(t, append(again, "--out", t.TempDir())...)
	assert.ErrorContains(t, err, "nothing trained and no best.safetensors")

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"--out", run}, "data"},
		{"validate-only without model", []string{"--validate-only", "--data", data}, "--init"},
		{"more replicas than the batch", []string{"--data", data, "--out", run, "--batch", "2", "--replicas", "3"}, "replicas 3"},
		{"ema decay 1", []string{"--data", data, "--out", run, "--ema-decay", "1"}, "ema_decay 1"},
		{"bad milestones", []string{"--data", data, "--out", run, "--milestones", "1,x"}, "milestones"},
		{"cpu profile in a missing folder", []string{"--data", data, "--out", run, "--cpuprofile", filepath.Join(run, "no", "x.pprof")}, "train: cpu profile"},
		{"bad config", []string{"--data", data, "--out", run, "--config", filepath.Join(run, "nope.json")}, "config"},
		{"resume other arch", []string{"--data", data, "--out", t.TempDir(), "--arch", "mnv3-small-baseline-w0.25-hc16",
			"--input", "64x64", "--resume", filepath.Join(run, train.LastCheckpoint)}, "architecture mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runDataApp(t, append([]string{"train"}, tc.args...)...)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestTrainFlagsReachConfig sets every train.Config field through its flag,
// each to a value other than its default, and checks that each arrives in
// the config: a field without a flag, or a flag copied nowhere or into
// another field, fails here.
func TestTrainFlagsReachConfig(t *testing.T) {
	def := train.Default()
	var args []string
	want := reflect.New(reflect.TypeOf(def)).Elem()
	want.Set(reflect.ValueOf(def))
	typ := want.Type()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		require.NotEmpty(t, key, "train.Config.%s has no JSON key", typ.Field(i).Name)
		name := "--" + strings.ReplaceAll(key, "_", "-")
		f := want.Field(i)
		switch v := f.Addr().Interface().(type) {
		case *string:
			*v = "value-of-" + key
			args = append(args, name, *v)
		case *int:
			*v += 100 + i
			args = append(args, name, strconv.Itoa(*v))
		case *uint64:
			*v += 100 + uint64(i)
			args = append(args, name, strconv.FormatUint(*v, 10))
		case *float64:
			*v += 0.5 + float64(i)
			args = append(args, name, strconv.FormatFloat(*v, 'g', -1, 64))
		case *bool:
			*v = !*v
			args = append(args, name+"="+strconv.FormatBool(*v))
		case *[]int:
			*v = []int{3, 5 + i}
			args = append(args, name, joinInts(*v))
		case *[]float64:
			*v = append([]float64(nil), train.JointWeightsCOCO...)
			args = append(args, name, "coco")
		default:
			t.Fatalf("train.Config.%s: no test value for %s", typ.Field(i).Name, f.Type())
		}
	}
	require.NotEqual(t, def, want.Interface())

	cmd := newTrainCmd()
	var got train.Config
	cmd.Action = func(c *cli.Context) error {
		var err error
		got, err = trainConfig(c)
		return err
	}
	app := &cli.App{Name: "keypoints", Commands: []*cli.Command{cmd}}
	require.NoError(t, app.Run(append([]string{"keypoints", "train"}, args...)))
	assert.Equal(t, want.Interface(), got)
}
