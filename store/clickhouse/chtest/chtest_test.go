package chtest

import (
	"errors"
	"fmt"
	"testing"
)

// recorder is a testing.TB that records how a test would end instead of
// ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Fatal(args ...any)            { r.fatal = fmt.Sprint(args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }
func (r *recorder) Skipf(f string, args ...any)  { r.skip = fmt.Sprintf(f, args...) }

func TestAddr(t *testing.T) {
	tests := []struct {
		name      string
		server    *Server
		require   string
		wantAddr  string
		wantFatal bool
		wantSkip  bool
	}{
		{"running", &Server{addr: "127.0.0.1:9000"}, "", "127.0.0.1:9000", false, false},
		{"not installed", &Server{skip: "not installed"}, "", "", false, true},
		{"not installed, other suite required", &Server{skip: "not installed"}, "kcat", "", false, true},
		{"not installed but required", &Server{skip: "not installed"}, "kcat, clickhouse", "", true, false},
		{"did not start", &Server{err: errors.New("exited")}, "", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(RequireEnv, tt.require)
			r := &recorder{TB: t}
			addr := tt.server.Addr(r)
			if tt.wantAddr != "" && addr != tt.wantAddr {
				t.Errorf("Addr = %q, want %q", addr, tt.wantAddr)
			}
			if (r.fatal != "") != tt.wantFatal {
				t.Errorf("fatal = %q, want fatal %v", r.fatal, tt.wantFatal)
			}
			if (r.skip != "") != tt.wantSkip {
				t.Errorf("skip = %q, want skip %v", r.skip, tt.wantSkip)
			}
		})
	}
}

// TestStartStop starts and stops a real server when one is installed.
func TestStartStop(t *testing.T) {
	s := Start()
	defer s.Stop()
	addr := s.Addr(t)
	if s.Version() == "" {
		t.Errorf("server at %s reported no version", addr)
	}
	s.Stop()
	s.Stop() // a second Stop is harmless
}
