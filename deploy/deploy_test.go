// Package deploy holds the deployment files (configs, Prometheus rules,
// Alertmanager routing, the Docker Compose deployment in compose/, the Helm
// chart in helm/yuqing); its tests check them with the real tools, and the
// compose file against the Compose Specification's schema (Docker itself is
// not run). The chart's test is a module of its own (helm/go.mod), so that
// the Helm SDK is no dependency of the binary.
package deploy

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/internal/testenv"
)

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func TestPrometheusRules(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "promtool")
	run(t, "prometheus", promtool, "check", "config", "prometheus.yml")
	run(t, "prometheus", promtool, "check", "rules", "yuqing-rules.yml")
	run(t, "prometheus", promtool, "test", "rules", "yuqing-rules.test.yml")
}

func TestAlertmanagerConfig(t *testing.T) {
	amtool := testenv.LookPath(t, "amtool", "amtool")
	run(t, "alertmanager", amtool, "check-config", "alertmanager.yml")
}
