package scenario

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
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

// ParseVariables never panics and either refuses or gives only strings
// within the limits.
func FuzzParseVariables(f *testing.F) {
	for _, s := range []string{`{"item.ANI":"+14155550100","user.loginId":"ann"}`, `{}`, `null`, `[]`, `{"a":1,"b":true,"c":null}`,
		`{"a":{"b":1}}`, `{"a":"\u00e9"}`, `{"":""}`, "{\"a\":\"\xff\"}", `{"a":"x"} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
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
