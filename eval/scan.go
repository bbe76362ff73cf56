package eval

import (
	"bytes"
	"strconv"
)

// fastResults decodes a results array without reflection: a COCO-val
// results file holds ~100,000 objects of 51 numbers, and encoding/json
// spends most of `keypoints eval`'s time on it. It accepts only plain,
// valid JSON (no string escapes in keys, no nulls where numbers belong)
// and reports ok = false on anything else; the caller then decodes with
// encoding/json, which gives the precise error. Numbers go through
// strconv.ParseFloat, as in encoding/json, so values are identical.
func fastResults(data []byte) (res []Result, ok bool) {
	s := scanner{data: data}
	if !s.consume('[') {
		return nil, false
	}
	res = make([]Result, 0, len(data)/400) // ~400 bytes per 17-keypoint result
	if s.consume(']') {
		return res, s.end()
	}
	for {
		r, ok := s.result()
		if !ok {
			return nil, false
		}
		res = append(res, r)
		if s.consume(',') {
			continue
		}
		if s.consume(']') {
			return res, s.end()
		}
		return nil, false
	}
}

// scanner walks JSON bytes; every method skips leading white space.
type scanner struct {
	data []byte
	pos  int
	slab []float64 // backing store for keypoint slices, carved in order
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// consume skips c (after white space) if it is next.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.ws()
	return s.pos == len(s.data)
}

// result decodes one object; like rawResult, it needs image_id,
// category_id, keypoints and score.
func (s *scanner) result() (Result, bool) {
	var r Result
	if !s.consume('{') {
		return r, false
	}
	var have [4]bool
	if !s.consume('}') {
		for {
			key, ok := s.str()
			if !ok || !s.consume(':') {
				return r, false
			}
			switch string(key) {
			case "image_id":
				r.ImageID, ok = s.int()
				have[0] = true
			case "category_id":
				r.CategoryID, ok = s.int()
				have[1] = true
			case "keypoints":
				r.Keypoints, ok = s.floats()
				have[2] = true
			case "score":
				r.Score, ok = s.float()
				have[3] = true
			case "bbox":
				r.Bbox, ok = s.floats()
			default:
				if foldsToField(key) {
					return r, false // encoding/json would set the field: let it
				}
				ok = s.skip(0)
			}
			if !ok {
				return r, false
			}
			if s.consume(',') {
				continue
			}
			if s.consume('}') {
				break
			}
			return r, false
		}
	}
	return r, have[0] && have[1] && have[2] && have[3]
}

// resultFields are the keys result decodes.
var resultFields = [...]string{"image_id", "category_id", "keypoints", "score", "bbox"}

// foldsToField reports whether key, not itself a field name, matches one
// case-insensitively ("Score", "IMAGE_ID"): encoding/json decodes such a
// key into the field (the last of them wins), so the fast path must step
// aside to give the same result.
func foldsToField(key []byte) bool {
	for _, f := range resultFields {
		if bytes.EqualFold(key, []byte(f)) {
			return true
		}
	}
	return false
}

// str returns the bytes of a string without escapes.
func (s *scanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.pos
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; {
		case c == '"':
			s.pos++
			return s.data[start : s.pos-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.pos++
	}
	return nil, false
}

// number returns the bytes of a JSON number (RFC 8259 grammar), and
// whether it is an integer (no fraction or exponent).
func (s *scanner) number() (num []byte, integer, ok bool) {
	s.ws()
	d := s.data
	i := s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return nil, false, false
	}
	integer = true
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, false, false
		}
		integer = false
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false, false
		}
		integer = false
	}
	num = d[s.pos:i]
	s.pos = i
	return num, integer, true
}

func (s *scanner) float() (float64, bool) {
	num, _, ok := s.number()
	if !ok {
		return 0, false
	}
	if v, ok := exactFloat(num); ok {
		return v, true
	}
	v, err := strconv.ParseFloat(string(num), 64)
	return v, err == nil
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactFloat converts a valid JSON number the way strconv's exact fast
// path does (Clinger): when the decimal mantissa m < 2⁵³ and the decimal
// exponent e has |e| <= 22, m and 10^|e| are exact float64s, so one
// multiplication or division gives the correctly rounded value, the same
// bits ParseFloat returns. Other numbers report ok = false. Results files
// hold short numbers like 312.47, so nearly all take this path.
func exactFloat(num []byte) (v float64, ok bool) {
	const maxMantissa = 1 << 53
	neg := num[0] == '-'
	i := 0
	if neg {
		i++
	}
	var m uint64
	exp := 0
	digit := func() bool {
		if i >= len(num) || num[i] < '0' || num[i] > '9' {
			return false
		}
		if m >= maxMantissa/10 {
			ok = false // m·10 + 9 might reach 2⁵³
			return false
		}
		m = m*10 + uint64(num[i]-'0')
		i++
		return true
	}
	ok = true
	for digit() {
	}
	if ok && i < len(num) && num[i] == '.' {
		i++
		for digit() {
			exp--
		}
	}
	if !ok || i != len(num) || exp < -22 { // too long, an exponent part, or too small
		return 0, false
	}
	v = float64(m)
	if exp < 0 {
		v /= pow10[-exp]
	}
	if neg {
		v = -v
	}
	return v, true
}

// int decodes an integer as encoding/json does into an int64: a fraction
// or exponent is an error (left to the slow path to report).
func (s *scanner) int() (int64, bool) {
	num, integer, ok := s.number()
	if !ok || !integer {
		return 0, false
	}
	v, err := strconv.ParseInt(string(num), 10, 64)
	return v, err == nil
}

// floats decodes an array of numbers into a slice carved from s.slab, so
// 100,000 keypoint arrays cost a few large allocations instead of 100,000.
func (s *scanner) floats() ([]float64, bool) {
	if !s.consume('[') {
		return nil, false
	}
	const slabSize = 1 << 16
	if cap(s.slab)-len(s.slab) < 64 {
		s.slab = make([]float64, 0, slabSize)
	}
	start := len(s.slab)
	if s.consume(']') {
		return s.slab[start:start:start], true
	}
	for {
		v, ok := s.float()
		if !ok {
			return nil, false
		}
		if len(s.slab) == cap(s.slab) {
			// Move this array to a fresh slab; earlier arrays keep theirs.
			n := make([]float64, len(s.slab)-start, max(slabSize, 2*(len(s.slab)-start)))
			copy(n, s.slab[start:])
			s.slab, start = n, 0
		}
		s.slab = append(s.slab, v)
		if s.consume(',') {
			continue
		}
		if s.consume(']') {
			end := len(s.slab)
			return s.slab[start:end:end], true
		}
		return nil, false
	}
}

// skip passes over any JSON value (depth-limited).
func (s *scanner) skip(depth int) bool {
	const maxDepth = 64
	if depth > maxDepth {
		return false
	}
	s.ws()
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; c {
	case '"':
		_, ok := s.str()
		return ok
	case '[', '{':
		s.pos++
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		if s.consume(closing) {
			return true
		}
		for {
			if c == '{' {
				if _, ok := s.str(); !ok || !s.consume(':') {
					return false
				}
			}
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume(',') {
				continue
			}
			return s.consume(closing)
		}
	case 't', 'f', 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
				s.pos += len(lit)
				return true
			}
		}
		return false
	default:
		_, _, ok := s.number()
		return ok
	}
}
