package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/model"
)

const deadletterUsage = `Usage:
  yuqing deadletter list   [-config FILE] [filters]
      one line per dead letter on yuqing.deadletter.v1: ID, time, stage, topic, key, attempts, error
  yuqing deadletter show   [-config FILE] [filters] [ID|KEY...]
      the dead letters in full, as JSON, with the original message
  yuqing deadletter replay [-config FILE] [filters] [-all] [ID|KEY...]
      send the original messages back into their topics once the cause is
      fixed; the stages are idempotent, so replaying twice stores once

Filters: -since/-until RFC3339 or YYYY-MM-DD (Asia/Shanghai), -stage GROUP,
-error SUBSTRING; IDs are dead-letter IDs ("0/17") or the original keys (a
document's ID). replay wants IDs, a filter or -all. The command connects
to kafka.brokers, or to the embedded broker of a running yuqing
(kafka.embedded.listen).
`

func cmdDeadletter(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, deadletterUsage)
		return usageError{errors.New("missing subcommand: list, show or replay")}
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, deadletterUsage)
		return nil
	case "list", "show", "replay":
	default:
		return usageError{fmt.Errorf("unknown subcommand %q: want list, show or replay", sub)}
	}
	fs := flag.NewFlagSet("deadletter "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, deadletterUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	var cf configFlags
	cf.register(fs, false)
	fs.StringVar(&cf.brokerListn, "broker-listen", "", "embedded broker `ADDR`, overriding kafka.embedded.listen")
	since := fs.String("since", "", "only dead letters from `TIME` on")
	until := fs.String("until", "", "only dead letters before `TIME`")
	stage := fs.String("stage", "", "only dead letters of consumer `GROUP` (yuqing-analyzer, yuqing-responder)")
	errSub := fs.String("error", "", "only dead letters whose error contains `TEXT`")
	all := fs.Bool("all", false, "replay: every dead letter that passes the filters, even with none given")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after `D`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	var f bus.DeadLetterFilter
	var err error
	if f.Since, err = parseCLITime("since", *since); err != nil {
		return err
	}
	if f.Until, err = parseCLITime("until", *until); err != nil {
		return err
	}
	f.Stage, f.ErrorContains, f.IDs = *stage, *errSub, fs.Args()
	if sub == "replay" && !*all && len(f.IDs) == 0 && f.Since.IsZero() && f.Until.IsZero() && f.Stage == "" && f.ErrorContains == "" {
		return usageError{errors.New("replay wants IDs, a filter or -all")}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	brokers := cfg.Kafka.Brokers
	if len(brokers) == 0 {
		brokers = []string{cfg.Kafka.Embedded.Listen}
	}
	opts, err := bus.ClientOptions(cfg.Kafka, brokers)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	dls, err := bus.ReadDeadLetters(ctx, opts, f)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTIME\tSTAGE\tTOPIC\tKEY\tATTEMPTS\tERROR")
		for _, d := range dls {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.ID, d.At.In(model.China).Format("2006-01-02 15:04:05"),
				d.Stage, d.Topic, d.Key, d.Attempts, oneLine(d.Error, 120))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d dead letters\n", len(dls))
	case "show":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		for _, d := range dls {
			v := struct {
				bus.StoredDeadLetter
				Value json.RawMessage `json:"value"`
			}{StoredDeadLetter: d}
			if json.Valid(d.Value) {
				v.Value = d.Value
			} else {
				b, _ := json.Marshal(string(d.Value))
				v.Value = b
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
	case "replay":
		prod, err := bus.NewProducer(opts, bus.NewMetrics(prometheus.NewRegistry()))
		if err != nil {
			return err
		}
		defer prod.Close()
		n, err := prod.Replay(ctx, dls...)
		fmt.Fprintf(stdout, "replayed %d of %d dead letters\n", n, len(dls))
		return err
	}
	return nil
}

// parseCLITime reads an RFC 3339 time or a date in Asia/Shanghai.
func parseCLITime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, model.China); err == nil {
		return t, nil
	}
	return time.Time{}, usageError{fmt.Errorf("invalid -%s %q: want RFC3339 or YYYY-MM-DD", name, s)}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
