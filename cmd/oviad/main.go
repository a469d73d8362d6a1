package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/identity"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// env is the outside world of one invocation (swapped in tests).
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// errUsage marks a command-line mistake (exit code 2).
var errUsage = errors.New("usage")

const usage = `oviad — Ovia: one true picture of delivery.

Usage:
  oviad [global flags] <command> [flags]

Commands:
  demo                         a full realistic installation with no credentials:
                               fake Jira/GitLab/Confluence on loopback, sync,
                               matching, KPI snapshots (file ovia-demo.db)
  migrate                      apply database migrations
  version                      print the version
  identities import FILE.csv   import identities (source, external_id, username,
                               email, display_name, is_service_account)
  identities export [--out F]  export identities with person_id, status, score
  sync [--source S] [--stream S] [--no-match]
                               sync configured sources (JIRA_*, GITLAB_*,
                               CONFLUENCE_*), then run matching
  match                        link new and changed identities to people
  kpi [--scope S] [--period P] [--json] [--dry-run]
                               compute (and save) a KPI snapshot and print it

Global flags:
  --db DSN      database: sqlite:PATH, a file path, or a postgres:// URL
                (env OVIA_DB; default ovia.db)
  --org ID      organisation (default "default")
  --log-level   debug, info, warn or error (env OVIA_LOG_LEVEL; default warn)
`

// globals are the flags every command shares.
type globals struct {
	db       string
	org      string
	logLevel string
}

func run(ctx context.Context, args []string, e env) int {
	err := dispatch(ctx, args, e)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "oviad: %v\n\n%s", err, usage)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "oviad: %v\n", err)
		return exitError
	}
}

func dispatch(ctx context.Context, args []string, e env) error {
	g := globals{db: e.getenv("OVIA_DB"), org: identity.DefaultOrg, logLevel: e.getenv("OVIA_LOG_LEVEL")}
	if g.db == "" {
		g.db = "ovia.db"
	}
	if g.logLevel == "" {
		// Commands print their own progress and summaries; logs are for
		// what goes wrong. (serve logs at info.)
		g.logLevel = "warn"
	}
	fs := flag.NewFlagSet("oviad", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.db, "db", g.db, "database DSN")
	fs.StringVar(&g.org, "org", g.org, "organisation id")
	fs.StringVar(&g.logLevel, "log-level", g.logLevel, "log level")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, usage)
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: no command given", errUsage)
	}
	logger, err := newLogger(e.stderr, g.logLevel)
	if err != nil {
		return err
	}
	cmd, cmdArgs := rest[0], rest[1:]
	switch cmd {
	case "version":
		fmt.Fprintf(e.stdout, "oviad %s\n", ovia.Version)
		return nil
	case "help":
		fmt.Fprint(e.stdout, usage)
		return nil
	case "migrate":
		return cmdMigrate(ctx, g, logger, cmdArgs, e)
	case "identities":
		return cmdIdentities(ctx, g, logger, cmdArgs, e)
	case "sync":
		return cmdSync(ctx, g, logger, cmdArgs, e)
	case "match":
		return cmdMatch(ctx, g, logger, cmdArgs, e)
	case "kpi":
		return cmdKPI(ctx, g, logger, cmdArgs, e)
	case "demo":
		return cmdDemo(ctx, g, logger, cmdArgs, e)
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		return nil, fmt.Errorf("%w: --log-level / OVIA_LOG_LEVEL: %q is not debug, info, warn or error", errUsage, level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func open(ctx context.Context, g globals, logger *slog.Logger, opts ...ovia.Option) (*ovia.Client, error) {
	return ovia.Open(ctx, g.db, append([]ovia.Option{ovia.WithLogger(logger)}, opts...)...)
}

func cmdMigrate(ctx context.Context, g globals, logger *slog.Logger, args []string, e env) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: migrate takes no arguments", errUsage)
	}
	c, err := open(ctx, g, logger, ovia.WithoutMigrations())
	if err != nil {
		return err
	}
	defer c.Close()
	names, err := c.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(e.stdout, "database is up to date")
		return nil
	}
	for _, n := range names {
		fmt.Fprintf(e.stdout, "applied %s\n", n)
	}
	return nil
}

func cmdIdentities(ctx context.Context, g globals, logger *slog.Logger, args []string, e env) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: identities needs import FILE.csv or export", errUsage)
	}
	switch args[0] {
	case "import":
		if len(args) != 2 {
			return fmt.Errorf("%w: identities import takes one FILE.csv (or - for stdin)", errUsage)
		}
		var r io.Reader = e.stdin
		if args[1] != "-" {
			f, err := os.Open(args[1])
			if err != nil {
				return fmt.Errorf("identities import: %w", err)
			}
			defer f.Close()
			r = f
		}
		rows, err := identity.ParseCSV(r)
		if err != nil {
			return fmt.Errorf("identities import %s: %w", args[1], err)
		}
		c, err := open(ctx, g, logger)
		if err != nil {
			return err
		}
		defer c.Close()
		st, err := c.Identity().Import(ctx, g.org, rows)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "imported %d identities into org %q; run `oviad match` to link them\n", st.Rows, g.org)
		return nil
	case "export":
		fs := flag.NewFlagSet("identities export", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		out := fs.String("out", "-", "output file (- for stdout)")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
			return fmt.Errorf("%w: identities export [--out FILE]", errUsage)
		}
		c, err := open(ctx, g, logger)
		if err != nil {
			return err
		}
		defer c.Close()
		w := e.stdout
		var f *os.File
		if *out != "-" {
			f, err = os.Create(*out)
			if err != nil {
				return fmt.Errorf("identities export: %w", err)
			}
			w = f
		}
		n, err := c.Identity().Export(ctx, g.org, w)
		if f != nil {
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			return fmt.Errorf("identities export: %w", err)
		}
		if f != nil {
			fmt.Fprintf(e.stderr, "exported %d identities to %s\n", n, *out)
		}
		return nil
	default:
		return fmt.Errorf("%w: unknown identities command %q", errUsage, args[0])
	}
}
