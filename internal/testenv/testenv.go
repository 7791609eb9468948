// Package testenv decides whether a test that needs an outside program (a
// ClickHouse server, kcat, chromium) runs, skips or fails. A test skips with
// a clear message when the program is absent, unless the environment
// variable YUQING_TEST_REQUIRE names it (a comma-separated list), as CI does
// so that it never passes by skipping.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Required reports whether YUQING_TEST_REQUIRE names name.
func Required(name string) bool {
	return slices.Contains(strings.Split(os.Getenv("YUQING_TEST_REQUIRE"), ","), name)
}

// LookPath returns the path of the first of binaries found on PATH. If
// none is found, the test is skipped, or fails when name is required.
func LookPath(t testing.TB, name string, binaries ...string) string {
	t.Helper()
	for _, b := range binaries {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	msg := name + " not found on PATH (looked for " + strings.Join(binaries, ", ") + ")"
	if Required(name) {
		t.Fatalf("%s, and YUQING_TEST_REQUIRE=%s requires it", msg, os.Getenv("YUQING_TEST_REQUIRE"))
	}
	t.Skipf("%s; install it or set YUQING_TEST_REQUIRE=%s to make this a failure", msg, name)
	return ""
}

// Missing skips a test whose input (a data set) is not there, or fails it
// when YUQING_TEST_REQUIRE names name (CI requires "data", so the quality
// tests never pass by skipping).
func Missing(tb testing.TB, name, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required(name) {
		tb.Fatalf("%s, and YUQING_TEST_REQUIRE=%s requires it", msg, os.Getenv("YUQING_TEST_REQUIRE"))
	}
	tb.Skipf("%s; set YUQING_TEST_REQUIRE=%s to make this a failure", msg, name)
}
