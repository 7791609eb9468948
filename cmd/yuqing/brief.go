package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/brief"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

const briefUsage = `Usage:
  yuqing brief generate -type daily|weekly|monthly|special|annual [-incident ID] [-period YYYY-MM-DD] [-format docx|html|pdf] [-out FILE] [-actor NAME]
  yuqing brief list [-type T] [-state S] [-text WORDS] [-year N]
  yuqing brief show [-format docx|html|pdf -out FILE] ID
  yuqing brief submit|return|sign|issue -actor NAME ID
  (each with -config FILE or -data-dir DIR; they work while yuqing run runs on the same data dir)
`

// cmdBrief runs yuqing brief: generate, list, show and the workflow steps.
func cmdBrief(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, briefUsage)
		return usageError{errors.New("a subcommand is required")}
	}
	sub := args[0]
	fs := flag.NewFlagSet("brief "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	cf.register(fs, true)
	typ := fs.String("type", "", "brief `TYPE`: daily, weekly, monthly, special or annual")
	incident := fs.String("incident", "", "incident `ID` of a 专报")
	period := fs.String("period", "", "a day of the period (YYYY-MM-DD, China time); default: the period before today's")
	format := fs.String("format", "docx", "file `FORMAT`: docx, html or pdf")
	out := fs.String("out", "", "write the brief to `FILE` (- for standard output)")
	actor := fs.String("actor", "", "who takes the step (recorded in the brief's workflow)")
	state := fs.String("state", "", "list only briefs in `STATE` (拟稿, 审核, 签发, 已印发)")
	text := fs.String("text", "", "list only briefs whose title or text contains `WORDS`")
	year := fs.Int("year", 0, "list only briefs of `YEAR`")
	switch sub {
	case "generate", "list", "show", "submit", "return", "sign", "issue":
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, briefUsage)
		return nil
	default:
		fmt.Fprint(stderr, briefUsage)
		return usageError{fmt.Errorf("unknown subcommand %q", sub)}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *format != "docx" && *format != "html" && *format != "pdf" {
		return usageError{fmt.Errorf("-format %q: want docx, html or pdf", *format)}
	}
	cfg, err := cf.load()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := app.OpenStore(ctx, cfg, prometheus.NewRegistry(), log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "generate":
		b, err := briefGenerate(ctx, st, cfg, model.BriefType(*typ), *incident, *period, cmpOr(*actor, "命令行"))
		if err != nil {
			return err
		}
		if err := st.UpsertBriefs(ctx, []model.Brief{b}); err != nil {
			return err
		}
		if err := auditBriefCLI(ctx, st, "brief.generate", b.ID, cmpOr(*actor, "命令行")); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "已生成%s（%s），编号 %s\n", b.Title, b.State, b.ID)
		if *out == "" {
			*out = brief.FileName(&b, *format)
		}
		return writeBrief(ctx, &b, *format, *out, stdout, stderr)
	case "list":
		bs, err := st.ListBriefs(ctx, store.BriefQuery{Type: model.BriefType(*typ), State: *state, Text: *text, Year: *year})
		if err != nil {
			return err
		}
		for _, b := range bs {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", b.ID, b.Title, b.NumberText(), b.State, b.PeriodStart.In(model.China).Format("2006-01-02"))
		}
		return nil
	}
	if fs.NArg() != 1 {
		return usageError{fmt.Errorf("brief %s: one brief ID is required", sub)}
	}
	id := fs.Arg(0)
	if sub == "show" {
		b, err := st.GetBrief(ctx, id)
		if err != nil {
			return err
		}
		if *out == "" {
			fmt.Fprintf(stdout, "%s %s\n状态：%s\n", b.Title, b.NumberText(), b.State)
			for _, s := range b.Content.Sections {
				fmt.Fprintln(stdout, s.Title)
				for _, bl := range s.Blocks {
					if bl.Kind == model.BlockText || bl.Kind == model.BlockQuote {
						fmt.Fprintln(stdout, "  "+bl.Text)
					}
				}
			}
			return nil
		}
		return writeBrief(ctx, &b, *format, *out, stdout, stderr)
	}
	if strings.TrimSpace(*actor) == "" {
		return usageError{errors.New("-actor: who takes the step is required")}
	}
	b, err := app.BriefStep(ctx, st, cfg, id, sub, *actor, time.Now())
	if err != nil {
		return err
	}
	if err := auditBriefCLI(ctx, st, "brief."+sub, id, *actor); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s：%s\n", b.Title, b.NumberText(), b.State)
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// briefGenerate builds a draft: a 专报 on incident, or the periodic
// brief of the period holding period (default: the period before now's).
func briefGenerate(ctx context.Context, st store.Store, cfg *config.Config, t model.BriefType, incident, period, actor string) (model.Brief, error) {
	if !t.Valid() {
		return model.Brief{}, usageError{fmt.Errorf("-type %q: want daily, weekly, monthly, special or annual", t)}
	}
	b := brief.NewBuilder(st, app.BriefOptions(cfg), nil)
	if t == model.BriefSpecial {
		if incident == "" {
			return model.Brief{}, usageError{errors.New("-incident: a 专报 needs an incident ID")}
		}
		return b.Special(ctx, incident, actor)
	}
	ref := time.Now()
	if period != "" {
		d, err := time.ParseInLocation("2006-01-02", period, model.China)
		if err != nil {
			return model.Brief{}, usageError{fmt.Errorf("-period %q: want YYYY-MM-DD", period)}
		}
		ref = d
	} else {
		start, _ := brief.Period(t, ref)
		ref = start.Add(-time.Hour)
	}
	return b.Periodic(ctx, t, ref, actor)
}

func writeBrief(ctx context.Context, b *model.Brief, format, out string, stdout, stderr io.Writer) error {
	if out == "-" {
		return brief.Write(ctx, b, format, stdout)
	}
	f, err := os.CreateTemp(dirOf(out), ".brief-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := brief.Write(ctx, b, format, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "已写入 %s\n", out)
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// auditBriefCLI writes a brief's change made from the command line to the
// audit log, like every change made through the CLI: the account is
// "cli" (whoever runs the command on the server), the name given with
// -actor is the detail.
func auditBriefCLI(ctx context.Context, st store.Store, action, id, actor string) error {
	log, err := audit.New(st, audit.Options{})
	if err != nil {
		return err
	}
	return log.Record(ctx, audit.Entry{Account: "cli", Address: "cli", Action: action, Object: "brief:" + id,
		Result: model.AuditOK, Detail: "操作人：" + actor})
}
