// Command webhook serves Zendesk event webhooks with package webhook:
// signatures verified, events decoded and de-duplicated, and answers that
// tell Zendesk when to retry.
//
// With -demo it runs on its own: it starts the handler on a loopback port,
// sends it signed agent status events through real HTTP (a valid one, a
// tampered one, a replay, a stale one, one whose handling fails once and is
// retried, one of a type it does not handle), prints what the handler
// answered to each, and exits 0 only if every answer was the expected one.
//
//	go run ./examples/webhook -demo
//
// Without -demo it serves POST /webhooks/zendesk on -addr with the webhook's
// signing secret from ZENDESK_WEBHOOK_SECRET (several, comma-separated,
// while rotating) and logs the agent status changes it receives:
//
//	ZENDESK_WEBHOOK_SECRET=... go run ./examples/webhook -addr :8080
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/deskbridge/deskbridge/webhook"
)

// secretEnv names the environment variable holding the signing secret(s).
const secretEnv = "ZENDESK_WEBHOOK_SECRET"

// path is where the real mode serves the webhook.
const path = "/webhooks/zendesk"

func main() {
	demo := flag.Bool("demo", false, "run the built-in scenario on a loopback port and exit")
	addr := flag.String("addr", ":8080", "address to serve on (without -demo)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *demo {
		if err := run(ctx, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			os.Exit(1)
		}
		return
	}
	secrets, err := secretsFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := serve(ctx, *addr, secrets, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// secretsFromEnv reads the comma-separated signing secrets, and says
// exactly what is missing.
func secretsFromEnv(getenv func(string) string) ([]string, error) {
	var secrets []string
	for _, s := range strings.Split(getenv(secretEnv), ",") {
		if s = strings.TrimSpace(s); s != "" {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("missing environment variable %s: set it to the webhook's signing secret "+
			"(Zendesk Admin Center > Apps and integrations > Webhooks > your webhook > Signing secret), "+
			"or to several comma-separated secrets while rotating; or run with -demo", secretEnv)
	}
	return secrets, nil
}

// newHandler returns the webhook handler of the real mode: it logs every
// agent status change and every delivery to logOut.
func newHandler(secrets []string, logOut io.Writer) http.Handler {
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	return webhook.NewZendeskHandler(
		webhook.ZendeskVerifier{Secrets: secrets},
		func(ctx context.Context, ev *webhook.ZendeskEvent) error {
			switch p := ev.Payload.(type) {
			case *webhook.AgentStateChanged:
				logger.InfoContext(ctx, "agent status changed", "agent_id", p.AgentID, "channel", p.Channel,
					"from", p.PreviousState, "to", p.NewState)
			case *webhook.AgentUnifiedStateChanged:
				logger.InfoContext(ctx, "agent unified status changed", "agent_id", p.AgentID,
					"from", p.PreviousState.Name, "to", p.NewState.Name)
			default:
				logger.InfoContext(ctx, "event", "type", ev.Type, "subject", ev.Subject)
			}
			return nil
		},
		webhook.WithLogger(logger),
	)
}

// newMux returns what the real mode serves: the webhook handler on path.
func newMux(secrets []string, logOut io.Writer) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(path, newHandler(secrets, logOut))
	serveHealth(mux) // it depends on nothing: ready whenever alive
	return mux
}

// serve runs the real mode until ctx is done.
func serve(ctx context.Context, addr string, secrets []string, logOut io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(logOut, "serving Zendesk webhooks on http://%s%s with %d signing secret(s)\n", ln.Addr(), path, len(secrets))
	return serveUntilDone(ctx, newHTTPServer(newMux(secrets, logOut), defaultTimeouts), ln)
}
