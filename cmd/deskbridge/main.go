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
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/deskbridge/deskbridge"
)

// Exit codes. A usage error (no command, an unknown command or flag, a
// stray argument, a -flow the file does not name) is an error like any
// other: exit 1, for every command, so that a script running plan tells
// "changes pending" (2) from "failed" by the code alone, as the usage
// says.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan: changes pending
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{out: os.Stdout, err: os.Stderr, getenv: os.Getenv, tty: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

// stdio is what a run reads and writes: injected, so that tests run the
// command in-process.
type stdio struct {
	out, err io.Writer
	getenv   func(string) string
	// tty says stderr is a terminal: text logs and a progress line.
	tty bool
	// listen, when set, is called with serve's address once it listens
	// (tests).
	listening func(addr string)
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

const usage = `deskbridge plans, applies, checks and serves the flows between Zendesk and
its contact-center tools, from one configuration file.

Usage:
  deskbridge <command> [-config deskbridge.yaml] [flags]

Commands:
  plan      show what apply would create, update or leave alone (exit 0: none, 2: changes, 1: error)
  apply     create or repair what the flows need on every side (idempotent)
  check     check every flow's configuration on both sides
  serve     serve every flow's webhooks in one HTTP server, with /healthz, /readyz, /metrics
  demo      run a flow on in-process fakes: deskbridge demo statussync|smsbridge|escalation|memorialize|scenario
  version   print the version
  help      help on a command, or on the file: deskbridge help config

The file defaults to deskbridge.yaml (or $DESKBRIDGE_CONFIG).
Exit code 0: done; 1: an error, a usage error included; 2 (plan only): changes pending.
`

var commandHelp = map[string]string{
	"plan": `Usage: deskbridge plan [-config FILE] [-flow NAME]

Runs every flow's Provision as a dry run and prints, for each side, what would be
created (+), updated (~, field by field), left alone (=), skipped (-) or is to fix
by hand (!). Nothing is written. Exit code 0: no changes; 2: changes pending; 1: error.
`,
	"apply": `Usage: deskbridge apply [-config FILE] [-flow NAME] [-force]

Creates or repairs what each flow needs on every side, then prints what it did.
Running it again changes nothing. -force re-sends write-only credentials (a
webhook's token, a vault secret), which no API shows back. Steps that no API can
do (Braze campaigns) are printed as instructions. Exit code 0: applied; 1: an error.
`,
	"check": `Usage: deskbridge check [-config FILE] [-flow NAME]

Runs every flow's Check: what is misconfigured on either side, each problem with
what to do. Exit code 0 when every flow is ready to serve; 1: an error.
`,
	"serve": `Usage: deskbridge serve [-config FILE] [-flow NAME] [-listen ADDR] [-metrics-listen ADDR]

Serves every flow below its path (default /NAME): e.g. /statussync/zendesk/agent-status.
Also GET /healthz (alive), /readyz (store and vendors answer; a vendor's answer is reused for 10 s) and /metrics
(Prometheus), on the same address unless -metrics-listen gives them one of
their own. A check that starts failing is logged with its error, and again
when it passes. /readyz shows each failing check by vendor and tenant, with
its error, on -metrics-listen's address only; beside the flows it names no
tenant and no error, just the vendor (or store) and "not ready": e.g.
"zendesk: not ready" when any Zendesk account fails. The store is the file's
store: memory (one replica) or a redis:// URL (replicas share it). SIGINT or SIGTERM shuts down gracefully.
Logs are JSON when stderr is not a terminal.
`,
	"demo": `Usage: deskbridge demo FLOW

Starts the vendors' fakes in this process, applies the flow's provisioning,
serves it on a loopback port, sends a few events through real HTTP and prints
what the flow decided and the metrics. FLOW is statussync, smsbridge, escalation,
memorialize or scenario.
`,
	"version": "Usage: deskbridge version\n\nPrints the module version the command was built from.\n",
	"config":  configHelp,
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, io stdio) int {
	if len(args) == 0 {
		fmt.Fprint(io.err, usage)
		return exitError
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if h, ok := commandHelp[rest[0]]; ok {
				fmt.Fprint(io.out, h)
				if fs, _ := newFlags(rest[0], io); fs != nil {
					fmt.Fprint(io.out, flagDefaults(fs))
				}
				return exitOK
			}
			fmt.Fprintf(io.err, "deskbridge help: no help on %q\n\n%s", rest[0], usage)
			return exitError
		}
		fmt.Fprint(io.out, usage)
		return exitOK
	case "version":
		fmt.Fprintln(io.out, "deskbridge", version())
		return exitOK
	case "demo":
		if len(rest) != 1 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprint(io.err, commandHelp["demo"])
			return exitError
		}
		if err := runDemo(ctx, rest[0], io); err != nil {
			fmt.Fprintln(io.err, "deskbridge demo:", err)
			return exitError
		}
		return exitOK
	case "plan", "apply", "check", "serve":
	default:
		fmt.Fprintf(io.err, "deskbridge: unknown command %q\n\n%s", cmd, usage)
		return exitError
	}

	fs, o := newFlags(cmd, io)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(io.err, "deskbridge %s: unexpected arguments %q\n", cmd, fs.Args())
		return exitError
	}
	cfg, err := loadConfig(o.file)
	if err != nil {
		fmt.Fprintln(io.err, err)
		return exitError
	}
	if o.only != "" {
		var kept []*flowEntry
		for _, f := range cfg.flows {
			if f.Name == o.only {
				kept = append(kept, f)
			}
		}
		if len(kept) == 0 {
			fmt.Fprintf(io.err, "deskbridge %s: -flow %q is not in %s\n", cmd, o.only, o.file)
			return exitError
		}
		cfg.flows = kept
	}
	if o.listen != "" {
		cfg.Listen = o.listen
	}
	var term *termLine
	if io.tty {
		// The logs go through the progress line, which stays under them.
		term = &termLine{w: io.err}
		io.err = term
	}
	logger := newLogger(cfg, io)
	m := newMetrics()
	e := newEnv(cfg, io.getenv, logger, m)
	e.term = term
	if err := e.buildClients(); err != nil {
		fmt.Fprintln(io.err, "deskbridge:", err)
		return exitError
	}
	switch cmd {
	case "plan":
		return provisionAll(ctx, e, io, true, false)
	case "apply":
		return provisionAll(ctx, e, io, false, o.force)
	case "check":
		return checkAll(ctx, e, io)
	}
	if err := serve(ctx, e, io, o.metricsListen); err != nil {
		fmt.Fprintln(io.err, "deskbridge serve:", err)
		return exitError
	}
	return exitOK
}

// options are the flags of plan, apply, check and serve.
type options struct {
	file, only, listen, metricsListen string
	force                             bool
}

// newFlags returns the flags cmd takes, and only those: a flag another
// command takes is refused as unknown. It returns nil for a command that
// takes none.
func newFlags(cmd string, io stdio) (*flag.FlagSet, *options) {
	o := &options{}
	switch cmd {
	case "plan", "apply", "check", "serve":
	default:
		return nil, o
	}
	fs := flag.NewFlagSet("deskbridge "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() { fmt.Fprint(io.err, commandHelp[cmd]+flagDefaults(fs)) }
	def := io.getenv("DESKBRIDGE_CONFIG")
	if def == "" {
		def = "deskbridge.yaml"
	}
	fs.StringVar(&o.file, "config", def, "the configuration `FILE` (YAML or JSON); $DESKBRIDGE_CONFIG when set")
	fs.StringVar(&o.only, "flow", "", "only the flow `NAME` (default: every flow of the file)")
	switch cmd {
	case "apply":
		fs.BoolVar(&o.force, "force", false, "re-send write-only credentials (a webhook's token, a vault secret)")
	case "serve":
		fs.StringVar(&o.listen, "listen", "", "the listen `ADDR` (default: the file's listen, else :8080)")
		fs.StringVar(&o.metricsListen, "metrics-listen", "", "serve /metrics, /healthz and /readyz on this `ADDR` only (default: on -listen's, beside the flows)")
	}
	return fs, o
}

// flagDefaults lists fs's flags with their defaults, as flag prints them.
func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("\nFlags:\n")
	out := fs.Output()
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	return b.String()
}

// loadConfig reads and parses file.
func loadConfig(file string) (*Config, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("deskbridge: %w (give the file with -config; deskbridge help config describes it)", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("deskbridge: reading %s: %w", file, err)
	}
	return ParseConfig(file, data)
}

// newLogger is slog to stderr: JSON unless stderr is a terminal or the
// file says text.
func newLogger(cfg *Config, io stdio) *slog.Logger {
	var level slog.Level
	switch cfg.Log.Level {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" || (cfg.Log.Format == "" && io.tty) {
		return slog.New(slog.NewTextHandler(io.err, opts))
	}
	return slog.New(slog.NewJSONHandler(io.err, opts))
}

// version is the module's version: the build info's (a go install of a
// tagged module), else the module's own [deskbridge.Version] (a build
// from the repository, whose build info says "(devel)").
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf is version for the build info bi (nil when none).
func versionOf(bi *debug.BuildInfo) string {
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return deskbridge.Version
}
