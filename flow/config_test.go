package flow_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
)

func TestConfigErrorError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    flow.ConfigError
		want string
	}{
		{flow.ConfigError{Flow: "statussync", Field: "Config.RetryAfter", Value: "-1s", Problem: "is negative", Fix: "use a positive duration"},
			`statussync: Config.RetryAfter = "-1s": is negative; fix: use a positive duration`},
		{flow.ConfigError{Field: "Config.Zendesk", Problem: "is nil"}, `Config.Zendesk: is nil`},
		{flow.ConfigError{Flow: "smsbridge", Field: `Mapping["a"]`, Value: `say "hi"`, Problem: "p"}, `smsbridge: Mapping["a"] = "say \"hi\"": p`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestCollectorAndProblems(t *testing.T) {
	t.Parallel()
	var empty flow.Collector
	if empty.Err() != nil || empty.Len() != 0 {
		t.Fatal("an empty collector has an error")
	}
	if flow.Problems(nil) != nil || flow.Problems(errors.New("plain")) != nil {
		t.Fatal("Problems of no config error")
	}

	one := flow.Collector{Flow: "escalation"}
	one.Add("Config.Bot", "", "is nil", "build a client with dydu.NewClient")
	var ce *flow.ConfigError
	if err := one.Err(); !errors.As(err, &ce) || ce.Flow != "escalation" || err.Error() != "escalation: Config.Bot: is nil; fix: build a client with dydu.NewClient" {
		t.Fatalf("one problem: %v", err)
	}

	// A nested validation (its own problems, without a flow, joined and
	// wrapped) is included as it is; every problem comes back in order.
	nested := errors.Join(
		&flow.ConfigError{Field: "Mapping.Presences[\"away\"]", Problem: "is empty"},
		fmt.Errorf("mapping: %w", &flow.ConfigError{Flow: "other", Field: "Mapping.Default", Problem: "unknown"}),
	)
	c := flow.Collector{Flow: "statussync"}
	c.Add("Config.Zendesk", "", "is nil", "build one")
	c.Include(nil)
	c.Include(nested)
	c.Include(errors.New("not a config error"))
	c.Add("Config.RetryAfter", "61s", "is 60 s or more", "use less")
	err := c.Err()
	var fields, flows []string
	for _, p := range flow.Problems(fmt.Errorf("wrapped: %w", err)) {
		fields = append(fields, p.Field)
		flows = append(flows, p.Flow)
	}
	if !slices.Equal(fields, []string{"Config.Zendesk", `Mapping.Presences["away"]`, "Mapping.Default", "Config.RetryAfter"}) ||
		!slices.Equal(flows, []string{"statussync", "statussync", "other", "statussync"}) || c.Len() != 4 {
		t.Errorf("fields %v flows %v len %d", fields, flows, c.Len())
	}
	if !errors.Is(err, err) || errors.Unwrap(err) != nil {
		t.Errorf("Err of several is errors.Join")
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	want := map[flow.Outcome]int{
		flow.Applied: 200, flow.Unchanged: 200, flow.Duplicate: 200, flow.Stale: 200, flow.Echo: 200, flow.Ignored: 200,
		flow.Rejected: http.StatusUnprocessableEntity, flow.Failed: http.StatusServiceUnavailable,
		flow.Outcome("baseline"): 200,
	}
	for o, status := range want {
		if got := o.HTTPStatus(); got != status {
			t.Errorf("%s: %d, want %d", o, got, status)
		}
		if o.Retry() != (o == flow.Failed) {
			t.Errorf("%s: Retry %v", o, o.Retry())
		}
	}
	all := flow.Outcomes()
	if len(all) != 8 || all[0] != flow.Applied || all[7] != flow.Failed {
		t.Errorf("Outcomes %v", all)
	}
	all[0] = "x"
	if flow.Outcomes()[0] != flow.Applied {
		t.Error("Outcomes shares its slice")
	}
}
