package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/yuqing-project/yuqing/calendar"
)

const calendarUsage = `Usage:
  yuqing calendar add-workdays [-data-dir DIR] YYYY-MM-DD N
      the day a limit of N working days starting on YYYY-MM-DD ends (the start
      day is not counted; a negative N counts back)
  yuqing calendar is-workday [-data-dir DIR] YYYY-MM-DD
      workday or holiday
  yuqing calendar import [-data-dir DIR] FILE
      add a year's State Council notice (a holiday-cn YYYY.json) to DIR/calendar

An answer that depends on a year whose notice is not loaded is followed by
"provisional": it counts Monday–Friday less the statutory holidays only.
`

// maxWorkdays bounds N so that a typo (20000 for 20) fails fast instead of
// walking the calendar for decades; no limit in RULES.md comes near it.
const maxWorkdays = 3650

// cmdCalendar answers working-day questions from the command line with the
// same calendar the responder uses: the embedded notices plus the years
// imported into the data dir.
func cmdCalendar(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, calendarUsage)
		return usageError{errors.New("missing subcommand: add-workdays, is-workday or import")}
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, calendarUsage)
		return nil
	case "add-workdays", "is-workday", "import":
	default:
		return usageError{fmt.Errorf("unknown subcommand %q: want add-workdays, is-workday or import", sub)}
	}

	fs := flag.NewFlagSet("calendar "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, calendarUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data-dir", "data", "data `DIR`; imported years live in DIR/calendar")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	pos := fs.Args()
	dir := filepath.Join(*dataDir, "calendar")

	switch sub {
	case "add-workdays":
		if len(pos) != 2 {
			return usageError{fmt.Errorf("add-workdays wants YYYY-MM-DD N, got %d arguments", len(pos))}
		}
		start, err := calendar.Parse(pos[0])
		if err != nil {
			return usageError{err}
		}
		n, err := strconv.Atoi(pos[1])
		if err != nil || n < -maxWorkdays || n > maxWorkdays {
			return usageError{fmt.Errorf("invalid number of working days %q: want an integer from %d to %d", pos[1], -maxWorkdays, maxWorkdays)}
		}
		cal, err := calendar.LoadDir(calendar.Default(), dir)
		if err != nil {
			return err
		}
		due, prov := cal.AddWorkdays(start, n)
		fmt.Fprintln(stdout, due.String()+provisionalSuffix(prov))
	case "is-workday":
		if len(pos) != 1 {
			return usageError{fmt.Errorf("is-workday wants YYYY-MM-DD, got %d arguments", len(pos))}
		}
		day, err := calendar.Parse(pos[0])
		if err != nil {
			return usageError{err}
		}
		cal, err := calendar.LoadDir(calendar.Default(), dir)
		if err != nil {
			return err
		}
		work, prov := cal.IsWorkday(day)
		word := "holiday"
		if work {
			word = "workday"
		}
		fmt.Fprintln(stdout, word+provisionalSuffix(prov))
	case "import":
		if len(pos) != 1 {
			return usageError{fmt.Errorf("import wants FILE, got %d arguments", len(pos))}
		}
		raw, err := os.ReadFile(pos[0])
		if err != nil {
			return fmt.Errorf("cannot read holiday file %q: %w", pos[0], err)
		}
		cal, err := calendar.LoadDir(calendar.Default(), dir)
		if err != nil {
			return err
		}
		y, path, err := calendar.SaveYear(cal, dir, raw)
		if err != nil {
			return fmt.Errorf("cannot import holiday file %q: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "imported %d (%d days) into %s\n", y.Year, len(y.Days), path)
	default:
		panic("BUG: calendar subcommand " + sub + " passed the check but has no case")
	}
	return nil
}

func provisionalSuffix(provisional bool) string {
	if provisional {
		return " provisional"
	}
	return ""
}
