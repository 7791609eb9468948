package config

import (
	"os"
	"testing"
)

// FuzzParse: any YAML decodes to a config or to problems, never a panic.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/good.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("crawler:\n  intervall: 5m\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("kafka:\n  consumer:\n    max_attempts: 99999999999999999999\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err == nil && c != nil {
			_ = c.Validate()
		}
	})
}
