package matching

import (
	"encoding/json"
	"testing"
)

// The hand-written trace encoder must quote text as encoding/json does:
// the same decoded value for every input (encoding/json also escapes <, >
// and & for HTML, which traces need not).
func TestAppendJSONTextMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnewline\n\x00\x1f", "Алексей Смирнов", "Émile",
		"bad \xff utf8", "cut \xe2\x80", "line\u2028sep\u2029", "<html> & ampersand", "😀 emoji",
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(appendJSONString(nil, s)); !jsonEqual(t, got, string(want)) {
			t.Errorf("string %q: got %s, encoding/json %s", s, got, want)
		}
		if got := string(appendJSONBytes(nil, []byte(s))); !jsonEqual(t, got, string(want)) {
			t.Errorf("bytes %q: got %s, encoding/json %s", s, got, want)
		}
	}
}

// jsonEqual reports whether two JSON strings decode to the same value.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y string
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s is not valid JSON: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	return x == y
}
