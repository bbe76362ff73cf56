package nn

import (
	"fmt"
	"sort"
	"strings"
)

// StateDict maps the names of ps to their values (shared, not copied).
func StateDict(ps []*Param) map[string]*Tensor {
	m := make(map[string]*Tensor, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// ignoredKeys are PyTorch state_dict entries dypose has no use for:
// BatchNorm's num_batches_tracked only matters with momentum=None.
func ignoredKey(name string) bool { return strings.HasSuffix(name, "num_batches_tracked") }

// LoadStateDict copies tensors into ps by name. It is strict, like PyTorch's
// load_state_dict(strict=True): every parameter must be present with the
// same shape, and no unknown key may remain (BatchNorm's num_batches_tracked
// excepted). The error lists what is missing, unexpected or mis-shaped.
func LoadStateDict(ps []*Param, tensors map[string]*Tensor) error {
	var missing, shape []string
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		seen[p.Name] = true
		t, ok := tensors[p.Name]
		if !ok {
			missing = append(missing, p.Name)
			continue
		}
		if t.Len() != p.Value.Len() || !(t.SameShape(p.Value) || squeezable(t.Shape, p.Value.Shape)) {
			shape = append(shape, fmt.Sprintf("%s: file %v, model %v", p.Name, t.Shape, p.Value.Shape))
		}
	}
	var unexpected []string
	for k := range tensors {
		if !seen[k] && !ignoredKey(k) {
			unexpected = append(unexpected, k)
		}
	}
	if len(missing)+len(shape)+len(unexpected) > 0 {
		sort.Strings(missing)
		sort.Strings(unexpected)
		var b strings.Builder
		b.WriteString("state dict does not match the model")
		list := func(what string, xs []string) {
			if len(xs) == 0 {
				return
			}
			const most = 8
			fmt.Fprintf(&b, "; %d %s: %s", len(xs), what, strings.Join(xs[:min(len(xs), most)], ", "))
			if len(xs) > most {
				b.WriteString(", ...")
			}
		}
		list("missing", missing)
		list("unexpected", unexpected)
		list("with another shape", shape)
		return fmt.Errorf("%s", b.String())
	}
	// Checked before anything is copied, so a refused file leaves the
	// model as it was.
	for _, p := range ps {
		if !tensors[p.Name].AllFinite() {
			return fmt.Errorf("tensor %q holds NaN or ±Inf (saved from a diverged run?)", p.Name)
		}
	}
	for _, p := range ps {
		copy(p.Value.Data, tensors[p.Name].Data)
	}
	return nil
}

// squeezable allows a 0-d file tensor for a 1-element parameter and vice versa.
func squeezable(a, b []int) bool { return numel(a) == 1 && numel(b) == 1 }
