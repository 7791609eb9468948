// Command yuqing is the one binary of yuqing: it runs any stage of the
// pipeline (or all of them), migrates the store, checks a config, and
// prints its version.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `yuqing — 舆情监测与回应 (public-opinion monitoring and response)

Usage:
  yuqing run [-config FILE] [-target all|crawler|analyzer|responder|console|inspector] [flags]
  yuqing migrate [-config FILE]
  yuqing check-config [-config FILE]
  yuqing user add NAME -role ROLE [-name 姓名] [-config FILE | -data-dir DIR]   (password on stdin)
  yuqing user passwd|lock|unlock NAME | user role NAME -role ROLE | user list
  yuqing token create NAME -role ROLE | token revoke ID | token list
  yuqing audit verify | audit export [-since DATE] [-o FILE] | audit purge -before DATE
  yuqing inspect [-config FILE]
  yuqing analyze [-tokens] [-model FILE] < LINES
  yuqing train sentiment -data DIR -out FILE [-corrections FILE] [-config FILE -corrections-from-store]
  yuqing extract [-allow-private] [-timeout D] [-url URL] [-content-type CT] [-fetched-at RFC3339] FILE|URL|-
  yuqing calendar add-workdays [-data-dir DIR] YYYY-MM-DD N
  yuqing calendar is-workday [-data-dir DIR] YYYY-MM-DD
  yuqing calendar import [-data-dir DIR] FILE
  yuqing deadletter list|show|replay [-config FILE] [filters] [ID...]
  yuqing brief generate|list|show|submit|return|sign|issue [-config FILE | -data-dir DIR] [flags]
  yuqing version

Run "yuqing COMMAND -h" for a command's flags. Without -config, the embedded
default runs everything in one process with the demo sources.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(args[1:], stdout, stderr)
	case "migrate":
		err = cmdMigrate(args[1:], stdout, stderr)
	case "analyze":
		err = cmdAnalyze(args[1:], os.Stdin, stdout, stderr)
	case "train":
		err = cmdTrain(args[1:], stdout, stderr)
	case "extract":
		err = cmdExtract(args[1:], stdout, stderr)
	case "calendar":
		err = cmdCalendar(args[1:], stdout, stderr)
	case "deadletter":
		err = cmdDeadletter(args[1:], stdout, stderr)
	case "check-config":
		err = cmdCheckConfig(args[1:], stdout, stderr)
	case "brief":
		err = cmdBrief(args[1:], stdout, stderr)
	case "user":
		err = cmdUser(args[1:], os.Stdin, stdout, stderr)
	case "token":
		err = cmdToken(args[1:], stdout, stderr)
	case "audit":
		err = cmdAudit(args[1:], stdout, stderr)
	case "inspect":
		err = cmdInspect(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "yuqing: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "yuqing %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "yuqing %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// usageError is a mistake in the command line.
type usageError struct{ error }

func versionString() string {
	s := "yuqing " + version
	if bi, ok := debug.ReadBuildInfo(); ok {
		s += " (" + bi.GoVersion
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 12 {
				s += ", " + kv.Value[:12]
			}
		}
		s += ")"
	}
	return s
}
