package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/model"
)

// cmdInspect inspects the own portals once (yuqing inspect): the findings
// go to the store and the alerts they call for are sent, as the scheduled
// inspector does; the summary is printed in Chinese.
func cmdInspect(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	results, err := app.InspectOnce(ctx, cfg, slog.New(slog.NewTextHandler(stderr, nil)))
	for _, r := range results {
		verdict := "合格"
		if !r.Score.Passed {
			verdict = "不合格"
		}
		fmt.Fprintf(stdout, "%s：%s，%d分，单项否决%d项，发现问题%d项（新增%d项）\n", r.Report.Portal, verdict, r.Score.Points,
			len(r.Score.Vetoes), len(r.Report.Findings), len(r.Fresh))
		for _, f := range r.Report.Findings {
			veto := ""
			if f.Veto {
				veto = "【单项否决】"
			}
			fmt.Fprintf(stdout, "  %s%s：%s\n", veto, model.FindingKindLabel[f.Kind], f.Evidence)
		}
	}
	return err
}
