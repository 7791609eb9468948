// Package chtest starts a real ClickHouse server for tests: the
// clickhouse-server binary found on PATH, in a temporary directory, on a
// free port of 127.0.0.1, with a passwordless default user that only
// 127.0.0.1 may use.
//
// A test package starts one server in TestMain and shares it:
//
//	var server *chtest.Server
//
//	func TestMain(m *testing.M) {
//		server = chtest.Start()
//		code := m.Run()
//		server.Stop()
//		os.Exit(code)
//	}
//
// and each test asks for it with server.Addr(t), which skips the test when
// no ClickHouse is installed — or fails it when the environment variable
// YUQING_TEST_REQUIRE (a comma-separated list) contains "clickhouse", so CI
// never skips silently — and fails it when the server would not start.
package chtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// RequireEnv names the environment variable listing the integration
// suites that must run rather than skip.
const RequireEnv = "YUQING_TEST_REQUIRE"

// startTimeout bounds how long a server may take to answer. 18.16 answers
// in about 2 s; the margin is for a loaded CI machine.
const startTimeout = 60 * time.Second

// Server is a ClickHouse server started for tests, or the reason none is
// running.
type Server struct {
	addr    string
	version string
	skip    string // why there is no server because none is installed
	err     error  // why an installed server did not start
	dir     string
	name    string   // the server binary, kept for Restart
	args    []string // its arguments before --config-file
	cmd     *exec.Cmd
	exited  chan struct{}
	stop    sync.Once
	keep    bool // the directory is the caller's: Stop leaves it
}

// Start starts a server. It never fails: when there is no binary or the
// server does not start, the reason is kept and reported by Addr to every
// test that asks for the server.
func Start() *Server {
	name, args, ok := binary()
	if !ok {
		return &Server{skip: "clickhouse-server is not installed (neither clickhouse-server nor clickhouse on PATH; Debian: apt-get install clickhouse-server)"}
	}
	var errs []error
	// A free port found by listening can be taken before the server binds
	// it; a few attempts on fresh ports make that race harmless.
	for range 3 {
		s, err := start(name, args)
		if err == nil {
			return s
		}
		errs = append(errs, err)
	}
	return &Server{err: fmt.Errorf("cannot start %s: %w", name, errors.Join(errs...))}
}

// binary finds the server: a clickhouse-server executable (Debian's 18.16
// puts it in /usr/sbin, which some PATHs lack), or the single clickhouse
// binary of newer releases with its server subcommand.
func binary() (name string, args []string, ok bool) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil, true
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return p, []string{"server"}, true
	}
	if _, err := os.Stat("/usr/sbin/clickhouse-server"); err == nil {
		return "/usr/sbin/clickhouse-server", nil, true
	}
	return "", nil, false
}

// Required reports whether YUQING_TEST_REQUIRE names suite.
func Required(suite string) bool {
	for _, s := range strings.Split(os.Getenv(RequireEnv), ",") {
		if strings.TrimSpace(s) == suite {
			return true
		}
	}
	return false
}

// Addr returns the server's host:port for t. Without an installed server
// it skips t, or fails it when YUQING_TEST_REQUIRE names clickhouse; when
// the server did not start it fails t.
func (s *Server) Addr(t testing.TB) string {
	t.Helper()
	switch {
	case s.skip != "" && Required("clickhouse"):
		t.Fatalf("%s, and %s requires clickhouse", s.skip, RequireEnv)
	case s.skip != "":
		t.Skipf("skipping ClickHouse test: %s (set %s=clickhouse to make this a failure)", s.skip, RequireEnv)
	case s.err != nil:
		t.Fatal(s.err)
	}
	return s.addr
}

// Version returns the server's version, e.g. 18.16.1, or "" without a
// server.
func (s *Server) Version() string { return s.version }

// Stop stops the server and removes its directory. It is safe to call more
// than once and on a Server that never started.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if s.cmd != nil {
			s.terminate()
		}
		if s.dir != "" && !s.keep {
			os.RemoveAll(s.dir)
		}
	})
}

func (s *Server) terminate() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// StartIn starts a server on the data in dir, creating it when it does not
// exist, and keeps them there when it stops: a benchmark's tables filled
// once are reused by its next run. Like Start, it never fails.
func StartIn(dir string) *Server {
	name, args, ok := binary()
	if !ok {
		return &Server{skip: "clickhouse-server is not installed (neither clickhouse-server nor clickhouse on PATH; Debian: apt-get install clickhouse-server)"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &Server{err: err}
	}
	s, err := startAt(name, args, dir, true)
	if err != nil {
		return &Server{err: err}
	}
	return s
}

func start(name string, args []string) (*Server, error) {
	dir, err := os.MkdirTemp("", "yuqing-clickhouse-")
	if err != nil {
		return nil, err
	}
	return startAt(name, args, dir, false)
}

// startAt starts a server on dir, removed when the start fails unless keep.
func startAt(name string, args []string, dir string, keep bool) (*Server, error) {
	port, err := freePort()
	if err != nil {
		if !keep {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, name: name, args: args, keep: keep}
	if err := writeConfig(dir, port); err != nil {
		if !keep {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	if err := s.run(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// run starts the server process on s's directory and port and waits until
// it answers.
func (s *Server) run() error {
	s.exited = make(chan struct{})
	s.cmd = exec.Command(s.name, append(s.args, "--config-file="+filepath.Join(s.dir, "config.xml"))...)
	s.cmd.Dir = s.dir
	out, err := os.OpenFile(filepath.Join(s.dir, "log", "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		s.cmd = nil
		return err
	}
	var waitErr error
	exited := s.exited
	cmd := s.cmd
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	if err := s.wait(); err != nil {
		select {
		case <-exited:
			return fmt.Errorf("server exited (%v) at %s: %w\n%s", waitErr, s.addr, err, s.logTail())
		default:
			return fmt.Errorf("server at %s: %w\n%s", s.addr, err, s.logTail())
		}
	}
	return nil
}

// Kill stops the server process with SIGKILL, as a crash or an operator's
// kill -9 does, and waits until it has exited; its data stay for Restart.
// A test that kills a server must own it (start its own with Start) so
// other tests sharing a server are not disturbed.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts a killed server again on the same port and data and waits
// until it answers.
func (s *Server) Restart() error {
	if s.cmd != nil {
		return errors.New("the ClickHouse server is still running")
	}
	if s.dir == "" {
		return errors.New("the ClickHouse server never started")
	}
	return s.run()
}

// wait polls the server until it answers a query, it exits, or the start
// timeout passes.
func (s *Server) wait() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var last error
	for {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.addr}, DialTimeout: time.Second})
		if err == nil {
			err = conn.QueryRow(ctx, "SELECT version()").Scan(&s.version)
			conn.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-s.exited:
			return last
		case <-ctx.Done():
			return fmt.Errorf("no answer within %s: %w", startTimeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logTail returns the end of the server's logs, for a start failure.
func (s *Server) logTail() string {
	var b strings.Builder
	for _, name := range []string{"stdout.log", "error.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "log", name))
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", name, data)
	}
	return b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeConfig writes the server's config and users files into dir. The
// <yandex> root element is what 18.16 requires and newer releases still
// accept.
func writeConfig(dir string, port int) error {
	for _, sub := range []string{"data", "tmp", "log", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	config := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>%[1]s/log/server.log</log>
        <errorlog>%[1]s/log/error.log</errorlog>
        <console>0</console>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>%[2]d</tcp_port>
    <path>%[1]s/data/</path>
    <tmp_path>%[1]s/tmp/</tmp_path>
    <user_files_path>%[1]s/user_files/</user_files_path>
    <format_schema_path>%[1]s/format_schemas/</format_schema_path>
    <users_config>%[1]s/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>268435456</mark_cache_size>
</yandex>
`, dir, port)
	users := `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default></default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default></default>
    </quotas>
</yandex>
`
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(config), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "users.xml"), []byte(users), 0o644)
}
