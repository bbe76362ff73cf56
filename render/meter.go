package render

import (
	"fmt"
	"strconv"
	"time"
)

// Meter keeps exponential moving averages of the time between frames (for
// FPS) and of per-frame latency, for an on-screen overlay.
type Meter struct {
	alpha             float64
	interval, latency float64 // seconds
	n                 int
}

// NewMeter returns a meter whose averages weigh each new frame by alpha in
// (0, 1]; 0.1 averages over roughly the last ten frames.
func NewMeter(alpha float64) (*Meter, error) {
	if !(alpha > 0 && alpha <= 1) {
		return nil, fmt.Errorf("render: meter alpha %g is not in (0, 1]", alpha)
	}
	return &Meter{alpha: alpha}, nil
}

// Add records one frame: the time since the previous frame and how long
// the frame took to process. The first frame sets the averages.
func (m *Meter) Add(interval, latency time.Duration) {
	iv, lt := interval.Seconds(), latency.Seconds()
	if m.n == 0 {
		m.interval, m.latency = iv, lt
	} else {
		m.interval += m.alpha * (iv - m.interval)
		m.latency += m.alpha * (lt - m.latency)
	}
	m.n++
}

// FPS returns the average frame rate, 0 before any frame.
func (m *Meter) FPS() float64 {
	if m.interval <= 0 {
		return 0
	}
	return 1 / m.interval
}

// Latency returns the average per-frame latency.
func (m *Meter) Latency() time.Duration {
	return time.Duration(m.latency * float64(time.Second))
}

// Format appends "24.8 FPS  38.1 ms" to dst.
func (m *Meter) Format(dst []byte) []byte {
	dst = strconv.AppendFloat(dst, m.FPS(), 'f', 1, 64)
	dst = append(dst, " FPS  "...)
	dst = strconv.AppendFloat(dst, m.latency*1000, 'f', 1, 64)
	return append(dst, " ms"...)
}
