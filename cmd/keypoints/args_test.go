package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInterspersed(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"flags after the inputs",
			[]string{"k", "predict", "photos/", "--out-dir", "out", "--json", "r.json"},
			[]string{"k", "predict", "--out-dir", "out", "--json", "r.json", "--", "photos/"}},
		{"already in order",
			[]string{"k", "predict", "--json", "r.json", "a.jpg", "b.jpg"},
			[]string{"k", "predict", "--json", "r.json", "--", "a.jpg", "b.jpg"}},
		{"boolean flag takes no value",
			[]string{"k", "predict", "--whole-image", "a.jpg", "--flip=false", "b.jpg"},
			[]string{"k", "predict", "--whole-image", "--flip=false", "--", "a.jpg", "b.jpg"}},
		{"flag=value and a single dash",
			[]string{"k", "video", "in.mp4", "-out=o.mp4", "--det-interval", "5"},
			[]string{"k", "video", "-out=o.mp4", "--det-interval", "5", "--", "in.mp4"}},
		{"after -- everything is an input",
			[]string{"k", "predict", "a.jpg", "--", "--json", "-b.jpg"},
			[]string{"k", "predict", "--", "a.jpg", "--json", "-b.jpg"}},
		{"no inputs",
			[]string{"k", "eval", "--gt", "g.json", "--results", "r.json", "--json"},
			[]string{"k", "eval", "--gt", "g.json", "--results", "r.json", "--json"}},
		{"subcommand",
			[]string{"k", "model", "summary", "m.safetensors", "--input", "192x128"},
			[]string{"k", "model", "summary", "--input", "192x128", "--", "m.safetensors"}},
		{"unknown command left to cli",
			[]string{"k", "pedict", "a.jpg", "--json", "r.json"},
			[]string{"k", "pedict", "a.jpg", "--json", "r.json"}},
		{"unknown flag left to cli, value not taken",
			[]string{"k", "predict", "a.jpg", "--jsn", "r.json"},
			[]string{"k", "predict", "--jsn", "--", "a.jpg", "r.json"}},
		{"value flag last, value missing",
			[]string{"k", "predict", "a.jpg", "--json"},
			[]string{"k", "predict", "--json", "--", "a.jpg"}},
		{"help anywhere",
			[]string{"k", "predict", "a.jpg", "-h"},
			[]string{"k", "predict", "-h", "--", "a.jpg"}},
		{"shell completion untouched",
			[]string{"k", "predict", "a.jpg", "--generate-bash-completion"},
			[]string{"k", "predict", "a.jpg", "--generate-bash-completion"}},
		{"app only", []string{"k"}, []string{"k"}},
	}
	app := newApp()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]string(nil), tt.in...)
			assert.Equal(t, tt.want, interspersed(app, in))
			assert.Equal(t, tt.in, in, "args modified")
		})
	}
}
