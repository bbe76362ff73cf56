package detect

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIoU(t *testing.T) {
	tests := []struct {
		name string
		a, b Box
		want float32
	}{
		{"identical", Box{0, 0, 10, 10, 1}, Box{0, 0, 10, 10, 1}, 1},
		{"disjoint", Box{0, 0, 10, 10, 1}, Box{20, 0, 10, 10, 1}, 0},
		{"touching edges", Box{0, 0, 10, 10, 1}, Box{10, 0, 10, 10, 1}, 0},
		{"half shifted", Box{0, 0, 10, 10, 1}, Box{5, 0, 10, 10, 1}, 50.0 / 150},
		{"nested", Box{0, 0, 10, 10, 1}, Box{2, 2, 5, 5, 1}, 25.0 / 100},
		{"empty box", Box{0, 0, 0, 10, 1}, Box{0, 0, 10, 10, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, IoU(tt.a, tt.b), 1e-6)
			assert.InDelta(t, tt.want, IoU(tt.b, tt.a), 1e-6, "symmetric")
		})
	}
}

func TestNMS(t *testing.T) {
	tests := []struct {
		name string
		in   []Box
		thr  float32
		want []Box
	}{
		{"empty", nil, 0.5, []Box{}},
		{
			name: "keeps best of an overlapping pair and a far box",
			in:   []Box{{0, 0, 10, 10, 0.6}, {1, 0, 10, 10, 0.9}, {50, 50, 10, 10, 0.3}},
			thr:  0.5,
			want: []Box{{1, 0, 10, 10, 0.9}, {50, 50, 10, 10, 0.3}},
		},
		{
			name: "overlap below threshold survives",
			in:   []Box{{0, 0, 10, 10, 0.6}, {5, 0, 10, 10, 0.9}},
			thr:  0.5,
			want: []Box{{5, 0, 10, 10, 0.9}, {0, 0, 10, 10, 0.6}},
		},
		{
			name: "suppressed box does not suppress others",
			// b overlaps a (suppressed); c overlaps b but not a: c stays.
			in:   []Box{{0, 0, 10, 10, 0.9}, {3, 0, 10, 10, 0.8}, {7, 0, 10, 10, 0.7}},
			thr:  0.4,
			want: []Box{{0, 0, 10, 10, 0.9}, {7, 0, 10, 10, 0.7}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NMS(append([]Box{}, tt.in...), tt.thr)
			require.Len(t, got, len(tt.want))
			for i := range got {
				assert.Equal(t, tt.want[i], got[i], "box %d", i)
			}
		})
	}
}

func TestNMSAllocs(t *testing.T) {
	boxes := make([]Box, 64)
	for i := range boxes {
		boxes[i] = Box{X: float32(i % 8 * 7), Y: float32(i / 8 * 7), W: 10, H: 10, Score: float32(i) / 64}
	}
	work := make([]Box, len(boxes))
	allocs := testing.AllocsPerRun(20, func() {
		copy(work, boxes)
		NMS(work, 0.3)
	})
	assert.Zero(t, allocs)
}

func BenchmarkNMS(b *testing.B) {
	for _, n := range []int{16, 128, 1024} {
		boxes := make([]Box, n)
		for i := range boxes {
			boxes[i] = Box{X: float32(i % 32 * 5), Y: float32(i / 32 * 5), W: 20, H: 40, Score: float32((i * 37) % n)}
		}
		work := make([]Box, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				copy(work, boxes)
				NMS(work, 0.5)
			}
		})
	}
}
