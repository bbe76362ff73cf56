package render

import "image/color"

// confidenceStops are the anchor colours of the keypoint colormap, from
// low to high confidence: dark violet, blue, teal, green, yellow (the
// endpoints and quartiles of matplotlib's viridis, which stays readable in
// grey and for colour-blind viewers).
func confidenceStops() []color.RGBA {
	return []color.RGBA{
		{R: 0x44, G: 0x01, B: 0x54, A: 0xff},
		{R: 0x3b, G: 0x52, B: 0x8b, A: 0xff},
		{R: 0x21, G: 0x91, B: 0x8c, A: 0xff},
		{R: 0x5e, G: 0xc9, B: 0x62, A: 0xff},
		{R: 0xfd, G: 0xe7, B: 0x25, A: 0xff},
	}
}

// colormap is a 256-entry lookup table interpolated linearly between stops.
type colormap [256]color.RGBA

func newColormap(stops []color.RGBA) *colormap {
	var m colormap
	segs := len(stops) - 1
	for i := range m {
		pos := float64(i) / 255 * float64(segs)
		s := min(int(pos), segs-1)
		f := pos - float64(s)
		a, b := stops[s], stops[s+1]
		lerp := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*f + 0.5) }
		m[i] = color.RGBA{R: lerp(a.R, b.R), G: lerp(a.G, b.G), B: lerp(a.B, b.B), A: 0xff}
	}
	return &m
}

// at returns the colour of score s on a scale from lo (first entry) to 1
// (last entry); scores outside are clamped.
func (m *colormap) at(s, lo float32) color.RGBA {
	t := float32(1)
	if lo < 1 {
		t = (s - lo) / (1 - lo)
	}
	return m[int(min(max(t, 0), 1)*255+0.5)]
}
