package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yuqing-project/yuqing/audit"
	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/internal/app"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// The administration commands: yuqing user, yuqing token and yuqing
// audit. They open the store the config (or -data-dir) names, as yuqing
// run does, so they work while it runs on the same data dir (SQLite in
// WAL mode lets both write), and every change they make is audited on a
// chain of their own, as the operator "cli".

// accountsEnv is an opened store with the accounts service on it.
type accountsEnv struct {
	st  store.Store
	svc *auth.Service
	log *audit.Log
}

func openAccounts(ctx context.Context, cf *configFlags, stderr io.Writer) (*accountsEnv, error) {
	cfg, err := cf.load()
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := app.OpenStore(ctx, cfg, prometheus.NewRegistry(), log)
	if err != nil {
		return nil, err
	}
	alog, err := audit.New(st, audit.Options{Logger: log})
	if err != nil {
		st.Close()
		return nil, err
	}
	svc, err := auth.New(auth.Options{Store: st, Audit: alog, Policy: auth.PolicyOf(cfg.Auth)})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &accountsEnv{st: st, svc: svc, log: alog}, nil
}

// subcommand parses args of "yuqing CMD SUB": the flags (-config,
// -data-dir and extra) and the positional arguments, flags allowed after
// them.
func subcommand(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*configFlags, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf configFlags
	fs.StringVar(&cf.file, "config", "", "config `FILE` (YAML); without it the embedded default")
	fs.StringVar(&cf.dataDir, "data-dir", "", "data `DIR`, overriding data_dir")
	if extra != nil {
		extra(fs)
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	return &cf, pos, nil
}

// readPassword reads the password from the first line of stdin.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{errors.New("the password is read from standard input: none given")}
	}
	return pw, nil
}

func cmdUser(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New("want add, passwd, lock, unlock, list or role")}
	}
	var role, display string
	cf, pos, err := subcommand("user "+args[0], args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "the `ROLE`: "+strings.Join(auth.RoleKeys(), ", "))
		fs.StringVar(&display, "name", "", "the person's `NAME` as pages show it")
	})
	if err != nil {
		return err
	}
	need := func(n int, what string) error {
		if len(pos) != n {
			return usageError{fmt.Errorf("want %s", what)}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op := args[0]
	switch op {
	case "add", "passwd", "lock", "unlock", "role":
		if err := need(1, "one account NAME"); err != nil {
			return err
		}
	case "list":
		if err := need(0, "no arguments"); err != nil {
			return err
		}
	default:
		return usageError{fmt.Errorf("unknown subcommand %q: want add, passwd, lock, unlock, list or role", op)}
	}
	if (op == "add" || op == "role") && role == "" {
		return usageError{errors.New("-role is required")}
	}
	var password string
	if op == "add" || op == "passwd" {
		if password, err = readPassword(stdin); err != nil {
			return err
		}
	}
	env, err := openAccounts(ctx, cf, stderr)
	if err != nil {
		return err
	}
	defer env.st.Close()
	cli := auth.CLI()
	switch op {
	case "add":
		err = env.svc.AddAccount(ctx, cli, pos[0], display, role, password)
		if err == nil {
			fmt.Fprintf(stdout, "已创建账号 %s（%s）。\n", pos[0], auth.RoleName(role))
		}
	case "passwd":
		err = env.svc.ResetPassword(ctx, cli, pos[0], password)
		if err == nil {
			fmt.Fprintf(stdout, "已重置 %s 的密码。\n", pos[0])
		}
	case "lock", "unlock":
		err = env.svc.SetLocked(ctx, cli, pos[0], op == "lock")
		if err == nil {
			fmt.Fprintf(stdout, "已%s账号 %s。\n", map[string]string{"lock": "锁定", "unlock": "解锁"}[op], pos[0])
		}
	case "role":
		err = env.svc.SetRole(ctx, cli, pos[0], role)
		if err == nil {
			fmt.Fprintf(stdout, "已将 %s 的角色改为%s。\n", pos[0], auth.RoleName(role))
		}
	case "list":
		var accts []auth.AccountView
		if accts, err = env.svc.ListAccounts(ctx, cli); err == nil {
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "账号\t姓名\t角色\t状态\t动态口令\t密码修改时间")
			for _, a := range accts {
				state := "正常"
				if a.Locked {
					state = "已锁定"
				} else if a.MustChange {
					state = "待修改密码"
				}
				totp := map[bool]string{true: "已绑定", false: "未绑定"}[a.TOTP]
				fmt.Fprintf(tw, "%s\t%s\t%s(%s)\t%s\t%s\t%s\n", a.Name, a.DisplayName, a.RoleName, a.Role, state, totp, a.PasswordChangedAt)
			}
			err = tw.Flush()
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("没有账号 %s", pos[0])
	}
	return err
}

func cmdToken(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New("want create, revoke or list")}
	}
	var role string
	cf, pos, err := subcommand("token "+args[0], args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "the token's `ROLE`: "+strings.Join(auth.RoleKeys(), ", "))
	})
	if err != nil {
		return err
	}
	switch {
	case args[0] == "create" && (len(pos) != 1 || role == ""):
		return usageError{errors.New("want NAME and -role ROLE")}
	case args[0] == "revoke" && len(pos) != 1:
		return usageError{errors.New("want the token's ID")}
	case args[0] == "list" && len(pos) != 0:
		return usageError{errors.New("want no arguments")}
	case args[0] != "create" && args[0] != "revoke" && args[0] != "list":
		return usageError{fmt.Errorf("unknown subcommand %q: want create, revoke or list", args[0])}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env, err := openAccounts(ctx, cf, stderr)
	if err != nil {
		return err
	}
	defer env.st.Close()
	switch args[0] {
	case "create":
		tok, rec, err := env.svc.CreateToken(ctx, auth.CLI(), pos[0], role)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "令牌 %s（%s，编号 %s）只显示这一次：\n", rec.Name, auth.RoleName(role), rec.ID)
		fmt.Fprintln(stdout, tok)
		return nil
	case "revoke":
		if err := env.svc.RevokeToken(ctx, auth.CLI(), pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已吊销令牌 %s。\n", pos[0])
		return nil
	}
	toks, err := env.svc.ListTokens(ctx, auth.CLI())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t名称\t角色\t创建人\t创建时间\t状态")
	for _, t := range toks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedBy, t.CreatedAt.In(model.China).Format("2006-01-02 15:04"),
			map[bool]string{true: "已吊销", false: "有效"}[t.Revoked])
	}
	return tw.Flush()
}

// errAuditBroken is the error of an audit verify that found problems.
var errAuditBroken = errors.New("审计记录校验未通过")

func cmdAudit(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New("want verify, export or purge")}
	}
	var since, out string
	cf, pos, err := subcommand("audit "+args[0], args[1:], stderr, func(fs *flag.FlagSet) {
		switch args[0] {
		case "export":
			fs.StringVar(&since, "since", "", "export the records from this `DATE` (2026-11-01, China time, or RFC 3339) on")
			fs.StringVar(&out, "o", "", "write the CSV to `FILE` instead of standard output")
		case "purge":
			fs.StringVar(&since, "before", "", "remove the records before this `DATE`, at least 180 days ago")
		}
	})
	if err != nil {
		return err
	}
	if len(pos) != 0 || (args[0] != "verify" && args[0] != "export" && args[0] != "purge") {
		return usageError{fmt.Errorf("want verify, export or purge, without arguments")}
	}
	if args[0] == "purge" && since == "" {
		return usageError{errors.New("-before DATE is required")}
	}
	var from time.Time
	if since != "" {
		if from, err = time.ParseInLocation("2006-01-02", since, model.China); err != nil {
			if from, err = time.Parse(time.RFC3339, since); err != nil {
				return usageError{fmt.Errorf("-since %q: want a date such as 2026-11-01 or an RFC 3339 time", since)}
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env, err := openAccounts(ctx, cf, stderr)
	if err != nil {
		return err
	}
	defer env.st.Close()
	cli := auth.CLI()
	if args[0] == "purge" {
		n, err := env.log.PurgeBefore(ctx, from, cli.Account, cli.Address)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已清理 %s 之前的 %d 条审计记录。\n", from.In(model.China).Format("2006-01-02"), n)
		return nil
	}
	if args[0] == "verify" {
		rep, err := audit.Verify(ctx, env.st)
		if err != nil {
			return err
		}
		result := model.AuditOK
		if !rep.OK() {
			result = model.AuditFailed
		}
		if err := env.log.Record(ctx, audit.Entry{Account: cli.Account, Address: cli.Address, Action: "audit.verify", Object: "audit_log",
			Result: result, Detail: fmt.Sprintf("%d 条记录，%d 处问题", rep.Records, len(rep.Problems))}); err != nil {
			return err
		}
		if rep.OK() {
			fmt.Fprintf(stdout, "审计记录完整：共 %d 条，%d 条哈希链，未发现篡改或删除。\n", rep.Records, rep.Chains)
			return nil
		}
		fmt.Fprintf(stdout, "审计记录校验发现 %d 处问题（共 %d 条记录）：\n", len(rep.Problems), rep.Records)
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, "  "+p)
		}
		return errAuditBroken
	}
	w := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	n, err := audit.Export(ctx, env.st, from, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "导出 %d 条审计记录。\n", n)
	return env.log.Record(ctx, audit.Entry{Account: cli.Account, Address: cli.Address, Action: "audit.export", Object: "audit_log",
		Detail: fmt.Sprintf("导出 %d 条，自 %s", n, since)})
}
