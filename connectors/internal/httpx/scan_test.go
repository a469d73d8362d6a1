package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/matryer/is"

	"github.com/ovia-hq/ovia/connectors/internal/httpx"
)

func TestScanObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"search page", `{"issues":[{"id":"1","fields":{"summary":"a \"quoted\" }{ ]["}},{"id":"2"}],"nextPageToken":"tok","isLast":false}`,
			map[string]string{"issues": `[{"id":"1","fields":{"summary":"a \"quoted\" }{ ]["}},{"id":"2"}]`, "nextPageToken": `"tok"`, "isLast": "false"}, false},
		{"spaces", " {\n \"a\" : 1 ,\t\"b\":null } \n", map[string]string{"a": "1", "b": "null"}, false},
		{"empty", `{}`, map[string]string{}, false},
		{"truncated", `{"issues":[{"id":"1"},{"id"`, nil, true},
		{"truncated in string", `{"a":"abc`, nil, true},
		{"html", `<html><body>502 Bad Gateway</body></html>`, nil, true},
		{"array not object", `[1,2]`, nil, true},
		{"trailing garbage", `{"a":1} x`, nil, true},
		{"bad literal", `{"a":tru}`, nil, true},
		{"missing value", `{"a":}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			got := map[string]string{}
			err := httpx.ScanObject([]byte(tt.in), func(k string, v []byte) error {
				got[k] = string(v)
				return nil
			})
			if tt.wantErr {
				is.True(errors.Is(err, httpx.ErrMalformed))
				return
			}
			is.NoErr(err)
			is.Equal(got, tt.want)
		})
	}
}

func TestScanArray(t *testing.T) {
	is := is.New(t)
	var got []string
	is.NoErr(httpx.ScanArray([]byte(` [ {"a":[1,{"b":"]"}]}, "x", 3.5e2, true ] `), func(e []byte) error {
		got = append(got, string(e))
		return nil
	}))
	is.Equal(got, []string{`{"a":[1,{"b":"]"}]}`, `"x"`, `3.5e2`, `true`})
	is.True(errors.Is(httpx.ScanArray([]byte(`[{"a":1},`), func([]byte) error { return nil }), httpx.ErrMalformed))
	is.NoErr(httpx.ScanArray([]byte(`[]`), func([]byte) error { return nil }))
}

// FuzzScanObject checks ScanObject against encoding/json: on valid
// objects it yields the same members, and every truncation of a valid
// object is refused (that is what makes a cut body retryable).
func FuzzScanObject(f *testing.F) {
	f.Add([]byte(`{"issues":[{"id":"1","key":"EE-1"}],"nextPageToken":"a\"b","isLast":true}`))
	f.Add([]byte(`{"a":{"b":[1,2,{"c":"\\"}]},"d":-1.5e3,"e":null}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"x":"\u00e9\n"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want map[string]json.RawMessage
		valid := json.Unmarshal(b, &want) == nil && want != nil && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
		got := map[string][]byte{}
		var keys []string
		err := httpx.ScanObject(b, func(k string, v []byte) error {
			keys = append(keys, k)
			got[k] = v
			return nil
		})
		if !valid {
			return
		}
		if err != nil {
			t.Fatalf("valid object %q refused: %v", b, err)
		}
		for _, k := range keys {
			var ku string
			if json.Unmarshal([]byte(`"`+k+`"`), &ku) != nil {
				t.Fatalf("key %q is not a JSON string body", k)
			}
			if !bytes.Equal(got[k], want[ku]) && len(keys) == len(want) {
				t.Fatalf("key %q: value %q, encoding/json %q", ku, got[k], want[ku])
			}
		}
		trimmed := bytes.TrimRight(b, " \t\r\n")
		for k := 0; k < len(trimmed); k++ {
			if httpx.ScanObject(trimmed[:k], func(string, []byte) error { return nil }) == nil {
				t.Fatalf("truncation %q of %q accepted", trimmed[:k], b)
			}
		}
	})
}

func TestGetWithRetriesMalformed(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	b := setup(t, 3)
	srv, calls := scripted(t, step{body: `{"issues":[{"id":"1"},{"id":"2`}, step{body: `{"issues":[{"id":"1"},{"id":"2"}],"isLast":true}`})
	var n int
	_, err := b.client.GetWith(context.Background(), srv.URL, func(body []byte) error {
		n = 0
		return httpx.ScanObject(body, func(k string, v []byte) error {
			if k == "issues" {
				return httpx.ScanArray(v, func([]byte) error { n++; return nil })
			}
			return nil
		})
	})
	is.NoErr(err)
	is.Equal(n, 2)
	is.Equal(calls.Load(), int32(2))
}
