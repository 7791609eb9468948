package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/yuqing-project/yuqing/internal/app"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, true)
	target := fs.String("target", app.All, "what to run: a target, or a comma-separated list (see -list-targets)")
	listTargets := fs.Bool("list-targets", false, "list the targets and exit")
	logLevel := fs.String("log-level", "info", "log `LEVEL`: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *listTargets {
		for _, t := range app.Targets() {
			fmt.Fprintf(stdout, "%-10s %s\n", t[0], t[1])
		}
		return nil
	}
	targets, err := app.ParseTargets(*target)
	if err != nil {
		return usageError{err}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Errorf("invalid -log-level %q: %w", *logLevel, err)}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(cfg, targets, log)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func cmdMigrate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	a, err := app.New(cfg, []string{app.Migrate}, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	if err := a.Run(context.Background()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store %s migrated\n", cfg.Store.Driver)
	return nil
}
