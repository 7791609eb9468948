package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuqing-project/yuqing/config"
)

func TestLoadConfigAcceptsTheShippedConfigs(t *testing.T) {
	t.Setenv("YUQING_TEST_KAFKA_PASSWORD", "kafka-pass")
	t.Setenv("YUQING_TEST_SMTP_PASSWORD", "smtp-pass")
	t.Chdir("../../config") // good.yaml names its secret file relative to config/
	for _, path := range []string{"", "../deploy/yuqing-distributed.yaml", "testdata/good.yaml"} {
		if _, err := LoadConfig(path, nil); err != nil {
			t.Errorf("LoadConfig(%q) = %v", path, err)
		}
	}
}

func TestLoadConfigAppliesAdjustBeforeChecking(t *testing.T) {
	_, err := LoadConfig("", func(c *config.Config) { c.HTTP.Listen = "8080" })
	var ve *config.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].String() != `http.listen: "8080" is not host:port` {
		t.Errorf("LoadConfig = %v", err)
	}
	c, err := LoadConfig("", func(c *config.Config) { c.HTTP.Listen = "127.0.0.1:0" })
	if err != nil || c.HTTP.Listen != "127.0.0.1:0" {
		t.Errorf("LoadConfig = %v, %v", c, err)
	}
}

func TestLoadConfigUnreadable(t *testing.T) {
	_, err := LoadConfig("/nonexistent/yuqing.yaml", nil)
	var ve *config.ValidationError
	if err == nil || errors.As(err, &ve) || !strings.Contains(err.Error(), `cannot read config "/nonexistent/yuqing.yaml"`) {
		t.Errorf("LoadConfig = %v", err)
	}
}

// TestCheckConfigOneProblemAPath: a key config already reports is not
// reported again by a validator.
func TestCheckConfigOneProblemAPath(t *testing.T) {
	c := config.Default()
	c.Responder.RuleOverrides = map[string]config.RuleOverride{"R-5H": {Hours: 3, Workdays: 1}}
	err := CheckConfig(c)
	var ve *config.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 ||
		ve.Problems[0].String() != "responder.rule_overrides.R-5H: give either a positive hours or a positive workdays" {
		t.Errorf("CheckConfig = %v", err)
	}
}

func TestLoadConfigUnreadableSecretIsOneProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "yuqing.yaml")
	if err := os.WriteFile(path, []byte(`responder:
  notify:
    console_url: https://y.example
    ack_secret_file: /nonexistent/ack-secret
    channels: [{name: x, type: wecom, token: k}]
    roster:
      people: [{id: a, name: 甲}]
      weekly: [{days: [mon], start: "08:00", end: "18:00", duty: a}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path, nil)
	var ve *config.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.HasPrefix(ve.Problems[0].String(),
		"responder.notify.ack_secret_file (line 4): cannot read secret file: open /nonexistent/ack-secret") {
		t.Errorf("LoadConfig = %v", err)
	}
}
