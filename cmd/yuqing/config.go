package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/internal/app"
)

// configFlags are the flags every command that reads a config shares.
type configFlags struct {
	file        string
	dataDir     string
	httpListen  string
	brokerListn string
}

func (f *configFlags) register(fs *flag.FlagSet, overrides bool) {
	fs.StringVar(&f.file, "config", "", "config `FILE` (YAML); without it the embedded default (the demo) is used")
	if overrides {
		fs.StringVar(&f.dataDir, "data-dir", "", "data `DIR`, overriding data_dir")
		fs.StringVar(&f.httpListen, "http-listen", "", "HTTP `ADDR`, overriding http.listen")
		fs.StringVar(&f.brokerListn, "broker-listen", "", "embedded broker `ADDR`, overriding kafka.embedded.listen")
	}
}

// load reads the config (or the embedded default), applies flag overrides
// and checks it with app.LoadConfig: every command that reads a config,
// yuqing run and yuqing check-config among them, accepts the same ones.
func (f *configFlags) load() (*config.Config, error) {
	return app.LoadConfig(f.file, func(c *config.Config) {
		if f.dataDir != "" {
			c.DataDir = f.dataDir
		}
		if f.httpListen != "" {
			c.HTTP.Listen = f.httpListen
		}
		if f.brokerListn != "" {
			c.Kafka.Embedded.Listen = f.brokerListn
		}
	})
}

func cmdCheckConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	name := cf.file
	if name == "" {
		name = "embedded default"
	}
	c, err := cf.load()
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(stdout, "%s: %d problem(s)\n", name, len(ve.Problems))
		for _, p := range ve.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
		return fmt.Errorf("config %s is invalid", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (%d sources, store %s, kafka %s)\n", name, len(c.Crawler.Sources), c.Store.Driver, kafkaMode(c))
	return nil
}

func kafkaMode(c *config.Config) string {
	if len(c.Kafka.Brokers) == 0 {
		return "embedded on " + c.Kafka.Embedded.Listen
	}
	return fmt.Sprintf("%d external brokers", len(c.Kafka.Brokers))
}
