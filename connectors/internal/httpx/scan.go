package httpx

import (
	"errors"
	"fmt"
)

// ErrMalformed marks a body whose JSON structure is broken (truncated,
// unbalanced, not JSON at all). Returned from a GetWith parser, it makes
// the request retryable like a 503.
var ErrMalformed = errors.New("malformed JSON")

// ScanObject walks the members of the JSON object b, calling fn with each
// key (as written, without quotes; keys needing unescaping are passed
// raw) and the raw bytes of its value. It checks structure (balanced
// brackets, terminated strings) but not every token, so callers decode
// the values they use. It is much faster than decoding into
// json.RawMessage, and lets big lists be split without a second pass.
func ScanObject(b []byte, fn func(key string, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%w: want an object", ErrMalformed)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return fmt.Errorf("%w: want a key at byte %d", ErrMalformed, i)
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := string(b[i+1 : end-1])
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("%w: want ':' at byte %d", ErrMalformed, i)
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return fmt.Errorf("%w: object not closed", ErrMalformed)
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return fmt.Errorf("%w: want ',' or '}' at byte %d", ErrMalformed, i)
		}
	}
}

// ScanArray calls fn with the raw bytes of each element of the JSON array
// b, checking structure like ScanObject.
func ScanArray(b []byte, fn func(elem []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return fmt.Errorf("%w: want an array", ErrMalformed)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return trailing(b, i+1)
	}
	for {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return fmt.Errorf("%w: array not closed", ErrMalformed)
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return trailing(b, i+1)
		default:
			return fmt.Errorf("%w: want ',' or ']' at byte %d", ErrMalformed, i)
		}
	}
}

func trailing(b []byte, i int) error {
	if skipSpace(b, i) != len(b) {
		return fmt.Errorf("%w: data after the value at byte %d", ErrMalformed, i)
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		default:
			if b[j] < 0x20 {
				return 0, fmt.Errorf("%w: control character in string at byte %d", ErrMalformed, j)
			}
		}
	}
	return 0, fmt.Errorf("%w: string not terminated", ErrMalformed)
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, fmt.Errorf("%w: value missing at end", ErrMalformed)
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("%w: value not closed", ErrMalformed)
	default:
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\n', '\r', '\t':
				goto done
			}
			j++
		}
	done:
		lit := b[i:j]
		switch {
		case len(lit) == 0:
			return 0, fmt.Errorf("%w: value missing at byte %d", ErrMalformed, i)
		case string(lit) == "true", string(lit) == "false", string(lit) == "null":
		case lit[0] == '-' || (lit[0] >= '0' && lit[0] <= '9'):
		default:
			return 0, fmt.Errorf("%w: bad literal at byte %d", ErrMalformed, i)
		}
		return j, nil
	}
}
