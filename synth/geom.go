package synth

import "math"

// vec is a 3-vector in a figure's body frame: x to the figure's left, y
// down, z forward (toward the camera when the figure faces it). At yaw 0 the
// body frame is the camera frame: image x right, image y down, z toward the
// viewer, so a figure facing the camera shows its left side on the image's
// right, as a real person does.
type vec [3]float64

func (a vec) add(b vec) vec       { return vec{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a vec) sub(b vec) vec       { return vec{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a vec) scale(s float64) vec { return vec{a[0] * s, a[1] * s, a[2] * s} }
func (a vec) dot(b vec) float64   { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec) norm() vec {
	n := math.Sqrt(a.dot(a))
	if n == 0 {
		return a
	}
	return a.scale(1 / n)
}

// Body-frame axes.
func axLeft() vec { return vec{1, 0, 0} }
func axDown() vec { return vec{0, 1, 0} }
func axUp() vec   { return vec{0, -1, 0} }
func axFwd() vec  { return vec{0, 0, 1} }

// mat3 is a 3×3 rotation, row-major.
type mat3 [9]float64

func (m mat3) apply(v vec) vec {
	return vec{
		m[0]*v[0] + m[1]*v[1] + m[2]*v[2],
		m[3]*v[0] + m[4]*v[1] + m[5]*v[2],
		m[6]*v[0] + m[7]*v[1] + m[8]*v[2],
	}
}

func (m mat3) mul(n mat3) mat3 {
	var r mat3
	for i := range 3 {
		for j := range 3 {
			r[3*i+j] = m[3*i]*n[j] + m[3*i+1]*n[3+j] + m[3*i+2]*n[6+j]
		}
	}
	return r
}

// planeRot rotates by deg degrees in the plane of the orthonormal u and v,
// turning u toward v: R = I + sinθ(v uᵀ − u vᵀ) + (cosθ − 1)(u uᵀ + v vᵀ).
func planeRot(u, v vec, deg float64) mat3 {
	s, c := math.Sincos(deg * math.Pi / 180)
	var r mat3
	for i := range 3 {
		for j := range 3 {
			id := 0.0
			if i == j {
				id = 1
			}
			r[3*i+j] = id + s*(v[i]*u[j]-u[i]*v[j]) + (c-1)*(u[i]*u[j]+v[i]*v[j])
		}
	}
	return r
}

// turn rotates direction d by deg degrees toward ref (made perpendicular to
// d first); when ref is parallel to d it turns toward alt instead.
func turn(d, ref, alt vec, deg float64) vec {
	p := ref.sub(d.scale(ref.dot(d)))
	if p.dot(p) < 1e-6 {
		p = alt.sub(d.scale(alt.dot(d)))
	}
	p = p.norm()
	s, c := math.Sincos(deg * math.Pi / 180)
	return d.scale(c).add(p.scale(s)).norm()
}
