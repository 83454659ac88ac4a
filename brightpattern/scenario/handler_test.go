package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
	"github.com/deskbridge/deskbridge/webhook"
)

func post(t *testing.T, url, auth, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHandlerRefusals(t *testing.T) {
	w := newWorld(t)
	f, results := w.flow(InboundCall(nil, testFields...))
	url := w.serve(f)
	w.zd.ResetRequests()
	good := `{"item.ANI":"` + knownANI + `","user.loginId":"ann"}`
	for _, c := range []struct {
		name, auth, body string
		status           int
		want             string
	}{
		{"no secret", "", good, 401, "missing or wrong"},
		{"forged secret", "Bearer " + secret + "x", good, 401, "missing or wrong"},
		{"secret in another scheme", "Basic " + secret, good, 401, ""},
		{"not JSON", "Bearer " + secret, `{"item.ANI":`, 400, "not a JSON object"},
		{"array", "Bearer " + secret, `["x"]`, 400, "not a JSON object"},
		{"null", "Bearer " + secret, `null`, 400, "null"},
		{"nested", "Bearer " + secret, `{"a":{"b":1}}`, 400, "is an object or an array"},
		{"empty name", "Bearer " + secret, `{"":"x"}`, 400, "empty name"},
		{"too large", "Bearer " + secret, `{"a":"` + strings.Repeat("x", DefaultMaxBody) + `"}`, 413, "262144 bytes"},
	} {
		resp, body := post(t, url, c.auth, c.body)
		if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d %q", c.name, resp.StatusCode, body, c.status, c.want)
		}
		if strings.Contains(body, secret) {
			t.Errorf("%s: the answer holds the secret", c.name)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	if len(*results) != 0 || w.zd.RequestCount("", "/api/v2/") != 0 {
		t.Errorf("refused requests ran: %d results", len(*results))
	}
}

// TestScenarioAuth: Config.ScenarioAuth is a whole webhook.SharedSecretVerifier:
// New names its problems under Config.ScenarioAuth, copies its secrets, and
// the handler honours its scheme, header and source allowlist.
func TestScenarioAuth(t *testing.T) {
	w := newWorld(t)
	sc := InboundCall(nil, testFields...)
	for _, c := range []struct {
		auth webhook.SharedSecretVerifier
		want string
	}{
		{webhook.SharedSecretVerifier{Secrets: []string{""}}, "Config.ScenarioAuth.Secrets: is empty"},
		{webhook.SharedSecretVerifier{Secrets: []string{secret}, Scheme: webhook.SchemeHeader}, "Config.ScenarioAuth.Header: is empty"},
		{webhook.SharedSecretVerifier{Secrets: []string{secret}, Scheme: 9}, "Config.ScenarioAuth.Scheme"},
	} {
		cfg := w.config(sc)
		cfg.ScenarioAuth = c.auth
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.auth, err, c.want)
		}
	}

	good := `{"item.ANI":"` + knownANI + `","user.loginId":"ann","item.DNIS":"` + mainDNIS + `","item.globalInteractionId":"G1"}`
	serve := func(auth webhook.SharedSecretVerifier) string {
		cfg := w.config(sc)
		cfg.ScenarioAuth = auth
		f, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(f.Handler())
		t.Cleanup(srv.Close)
		return srv.URL
	}
	postHeader := func(url, name, value string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(good))
		req.Header.Set(name, value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// The secret in a header of its own, the caller's slice reused after New.
	secrets := []string{"", secret}
	url := serve(webhook.SharedSecretVerifier{Scheme: webhook.SchemeHeader, Header: "X-BP-Secret", Secrets: secrets})
	secrets[1] = "changed"
	if got := postHeader(url, "X-BP-Secret", secret); got != 200 {
		t.Errorf("secret in X-BP-Secret: %d, want 200", got)
	}
	if got := postHeader(url, "Authorization", "Bearer "+secret); got != 401 {
		t.Errorf("Bearer while Scheme is SchemeHeader: %d, want 401", got)
	}

	// The right secret from an address outside AllowedSources; then inside.
	url = serve(webhook.SharedSecretVerifier{Secrets: []string{secret}, AllowedSources: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}})
	if got := postHeader(url, "Authorization", "Bearer "+secret); got != 401 {
		t.Errorf("from outside AllowedSources: %d, want 401", got)
	}
	url = serve(webhook.SharedSecretVerifier{Secrets: []string{secret}, AllowedSources: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	if got := postHeader(url, "Authorization", "Bearer "+secret); got != 200 {
		t.Errorf("from inside AllowedSources: %d, want 200", got)
	}
}

func TestHandlerExits(t *testing.T) {
	w := newWorld(t)
	// Failed for the input: an unknown variable, 422 with the message.
	f, _ := w.flow(InboundCall(nil, testFields...))
	url := w.serve(f)
	resp, body := post(t, url, "Bearer "+secret, `{"user.loginId":"ann"}`)
	var ans map[string]string
	_ = json.Unmarshal([]byte(body), &ans)
	if resp.StatusCode != 422 || ans[VarExit] != "Failed" || !strings.Contains(ans[VarError], "unknown variable $(item.ANI)") || resp.Header.Get(HeaderExit) != "Failed" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// Numbers and null are taken as text.
	resp, body = post(t, url, "Bearer "+secret, `{"item.ANI":"`+knownANI+`","user.loginId":"ann","item.DNIS":null,"n":12,"item.globalInteractionId":"G1"}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"ticket_id":"`+itoa(w.ticketID)+`"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	// No Data: an empty 200, which Bright Pattern's block takes as No Data.
	f, _ = w.flow(Scenario{Steps: []Step{&Search{Query: "type:user nobody-matches", Recordset: "rs"}}})
	w.serve(f)
	run, err := w.bp.Arrive(t.Context(), brightpatterntest.Interaction{ANI: knownANI, DNIS: mainDNIS, Agent: "ann"})
	if err != nil || run.Exit != brightpatterntest.ExitNoData {
		t.Fatalf("%v %v", run.Exit, err)
	}

	// Failed because Zendesk failed: 503 with Retry-After; the block takes Failed.
	f, _ = w.flow(Scenario{Steps: []Step{&Search{Query: "type:user x", Recordset: "rs"}}})
	url = w.serve(f)
	w.zd.InjectFault(brightpatterntest.Fault{Method: "GET", Path: "/api/v2/search", Status: 500, Times: 20})
	run, err = w.bp.Arrive(t.Context(), brightpatterntest.Interaction{ANI: knownANI, DNIS: mainDNIS, Agent: "ann"})
	if err != nil || run.Exit != brightpatterntest.ExitFailed || run.Variables["fetchURLResultCode"] != "503" ||
		!strings.Contains(run.Variables["fetchURLResultBody"], "searching") {
		t.Fatalf("%v %v %v", run.Exit, run.Variables, err)
	}
	resp, _ = post(t, url, "Bearer "+secret, `{}`)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

// maxFuzzBody is the longest body FuzzParseVariables parses; the fuzzer's
// longer inputs are cut to it. ParseVariables is linear in its input
// (TestParseVariablesIsLinear), but Go's fuzzing engine minimizes each new
// input by trying every subset of its bytes (O(n²) runs, in
// internal/fuzz's minimizeBytes), and an input whose new coverage is a
// loop's hit count (utf8.Valid's, the JSON scanner's: a count of length)
// cannot shrink, so the engine spent 15 s and more on each 600-byte one
// while the run rate fell to 0/s. Cut, an input's bytes past the limit
// carry no coverage and go in the minimizer's first, linear pass, and the
// rest costs at most 256²/2 runs. The limits past it (MaxNameLen,
// MaxValueLen, MaxVariables) are tested by TestParseVariablesLimits.
const maxFuzzBody = 256

// ParseVariables never panics and either refuses or gives only strings
// within the limits.
func FuzzParseVariables(f *testing.F) {
	for _, s := range []string{`{"item.ANI":"+14155550100","user.loginId":"ann"}`, `{}`, `null`, `[]`, `{"a":1,"b":true,"c":null}`,
		`{"a":{"b":1}}`, `{"a":"\u00e9"}`, `{"":""}`, "{\"a\":\"\xff\"}", `{"a":"x"} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[:min(len(b), maxFuzzBody)]
		vars, err := ParseVariables(b)
		if err != nil {
			return
		}
		if len(vars) > MaxVariables {
			t.Fatal("too many variables")
		}
		for k, v := range vars {
			if k == "" || len(k) > MaxNameLen || len(v) > MaxValueLen {
				t.Fatalf("%q=%q past the limits", k, v)
			}
		}
	})
}

// ParseVariables takes the limits exactly, and refuses one past each.
func TestParseVariablesLimits(t *testing.T) {
	t.Parallel()
	obj := func(n int, name, value string) []byte {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q:%q", name+strconv.Itoa(i), value)
		}
		b.WriteString("}")
		return []byte(b.String())
	}
	long := strings.Repeat("n", MaxNameLen-1)
	for _, c := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"variables at the limit", obj(MaxVariables, "v", "x"), true},
		{"one variable too many", obj(MaxVariables+1, "v", "x"), false},
		{"name at the limit", obj(1, long, "x"), true},
		{"name past the limit", obj(1, long+"n", "x"), false},
		{"value at the limit", obj(1, "v", strings.Repeat("x", MaxValueLen)), true},
		{"value past the limit", obj(1, "v", strings.Repeat("x", MaxValueLen+1)), false},
	} {
		vars, err := ParseVariables(c.body)
		if (err == nil) != c.ok {
			t.Errorf("%s: %d variables, error %v", c.name, len(vars), err)
		}
	}
}

// ParseVariables costs the same per byte at 1 KiB and at 256 KiB (the
// handler's default body limit), whatever the shape of the body: no
// superlinear parsing. Each shape is timed at both sizes, best of 5.
func TestParseVariablesIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	shapes := map[string]func(n int) string{
		"one long value":  func(n int) string { return `{"a":"` + strings.Repeat("x", n) + `"}` },
		"escapes":         func(n int) string { return `{"a":"` + strings.Repeat(`\u00e9`, n/6) + `"}` },
		"nested arrays":   func(n int) string { return `{"a":` + strings.Repeat("[", n/2) + strings.Repeat("]", n/2) + `}` },
		"many duplicates": func(n int) string { return "{" + strings.Repeat(`"k":"v",`, n/8) + `"z":"1"}` },
		"not JSON":        func(n int) string { return strings.Repeat("0", n) },
	}
	perByte := func(body string) float64 {
		best := time.Duration(math.MaxInt64)
		for range 5 {
			start := time.Now()
			_, _ = ParseVariables([]byte(body))
			best = min(best, time.Since(start))
		}
		return float64(best) / float64(len(body))
	}
	for name, shape := range shapes {
		small, large := perByte(shape(1<<10)), perByte(shape(256<<10))
		// Linear: the same per byte, within noise; quadratic would be 256 times.
		if large > 8*small+5 {
			t.Errorf("%s: %.1f ns/byte at 256 KiB, %.1f at 1 KiB", name, large, small)
		}
	}
}
