package eval

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFastResultsMatchesEncodingJSON: the fast scanner must give exactly
// what encoding/json gives, or step aside.
func TestFastResultsMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		wantOK bool
	}{
		{name: "empty", json: " [ ] ", wantOK: true},
		{name: "plain", json: `[{"image_id":1,"category_id":1,"keypoints":[1.5,-2,0.3],"score":0.25}]`, wantOK: true},
		{name: "white space, exponents, -0", json: "[\n {\"score\": 1e-3 , \"keypoints\" : [ -0, 2E+2, 3.25e1 ],\r\n\t\"image_id\": -7, \"category_id\": 0 } ]", wantOK: true},
		{name: "extra keys skipped", json: `[{"id": 9, "extra": {"a": [1, {"b": null}], "c": "x"}, "flag": true, "image_id": 1, "category_id": 1, "keypoints": [1,2,3], "score": 1, "bbox": [0, 0, 2, 4]}]`, wantOK: true},
		{name: "empty keypoints", json: `[{"image_id":1,"category_id":1,"keypoints":[],"score":0}]`, wantOK: true},
		{name: "long array crosses slabs", json: `[{"image_id":1,"category_id":1,"keypoints":[` + longArray(70000) + `],"score":0}]`, wantOK: true},
		{name: "null score", json: `[{"image_id":1,"category_id":1,"keypoints":[1,2,3],"score":null}]`},
		{name: "float image id", json: `[{"image_id":1.0,"category_id":1,"keypoints":[1,2,3],"score":1}]`},
		{name: "escaped key", json: `[{"image\u005fid":1,"category_id":1,"keypoints":[1,2,3],"score":1}]`},
		{name: "key in other case", json: `[{"image_id":1,"category_id":1,"keypoints":[1,2,3],"score":1,"Score":0.5}]`},
		{name: "overflow", json: `[{"image_id":1,"category_id":1,"keypoints":[1e999,2,3],"score":1}]`},
		{name: "leading plus", json: `[{"image_id":1,"category_id":1,"keypoints":[+1,2,3],"score":1}]`},
		{name: "missing score", json: `[{"image_id":1,"category_id":1,"keypoints":[1,2,3]}]`},
		{name: "trailing comma", json: `[{"image_id":1,"category_id":1,"keypoints":[1,2,3],"score":1},]`},
		{name: "trailing garbage", json: `[] x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fast, ok := fastResults([]byte(tt.json))
			require.Equal(t, tt.wantOK, ok)
			if !ok {
				return
			}
			slow, err := slowResults([]byte(tt.json))
			require.NoError(t, err)
			assert.Equal(t, slow, fast)
		})
	}
}

func longArray(n int) string {
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, byte('0'+i%10))
	}
	return string(b)
}

func TestFastResultsOnFixtures(t *testing.T) {
	for _, name := range fixtureCases(t) {
		data, err := os.ReadFile(filepath.Join(fixtureDir, name, "results.json"))
		require.NoError(t, err)
		fast, ok := fastResults(data)
		require.True(t, ok, name)
		slow, err := slowResults(data)
		require.NoError(t, err)
		assert.Equal(t, slow, fast, name)
	}
}

// TestExactFloatMatchesParseFloat draws numbers of every length and checks
// the fast path returns ParseFloat's bits whenever it answers.
func TestExactFloatMatchesParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fixed := []string{"0", "-0", "0.0", "1", "-1", "312.47", "0.1", "0.30000000000000004", "9007199254740991",
		"9007199254740993", "123456789012345678", "0.0000000000000000000001", "0.00000000000000000000001", "1e5", "1.5E-3", "-7.25"}
	var cases []string
	cases = append(cases, fixed...)
	for range 20000 {
		intDigits, fracDigits := rng.IntN(10), rng.IntN(19)
		b := []byte{}
		if rng.IntN(2) == 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, rng.Uint64N(pow10u(intDigits)), 10)
		if fracDigits > 0 {
			b = append(b, '.')
			for range fracDigits {
				b = append(b, byte('0'+rng.IntN(10)))
			}
		}
		cases = append(cases, string(b))
	}
	answered := 0
	for _, c := range cases {
		want, err := strconv.ParseFloat(c, 64)
		require.NoError(t, err, c)
		got, ok := exactFloat([]byte(c))
		if !ok {
			continue
		}
		answered++
		if math.Float64bits(want) != math.Float64bits(got) {
			t.Fatalf("%s: got %v (%#x), ParseFloat %v (%#x)", c, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	assert.Greater(t, answered, len(cases)/2, "the fast path should answer most short numbers")
	_, ok := exactFloat([]byte("9007199254740993"))
	assert.False(t, ok, "mantissa beyond 2^53 goes to ParseFloat")
	_, ok = exactFloat([]byte("1e5"))
	assert.False(t, ok, "exponents go to ParseFloat")
}

func pow10u(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}
