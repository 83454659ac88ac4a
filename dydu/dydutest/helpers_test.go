package dydutest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/dydu/dydutest"
)

// answer is one decoded dialog API answer: the raw body, the envelope's
// type, and values with every string base64-decoded (as a client must).
type answer struct {
	Status int
	Raw    map[string]any
	Type   string
	Values map[string]any
	List   []any
}

// call posts form to path (under /servlet/api/) as Dydu's chatbox does:
// form-encoded, Accept JSON.
func call(t testing.TB, base string, hc *http.Client, path string, form url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/servlet/api/"+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode}
	if err := json.Unmarshal(b, &a.Raw); err != nil {
		return a // a 503 of a down server has a plain body
	}
	a.Type, _ = a.Raw["type"].(string)
	switch v := decodeB64(t, a.Raw["values"]).(type) {
	case map[string]any:
		a.Values = v
	case []any:
		a.List = v
	}
	return a
}

func post(t testing.TB, s *dydutest.Server, path string, form url.Values) answer {
	t.Helper()
	return call(t, s.URL, s.Client(), path, form)
}

// decodeB64 decodes every string in v, failing on one that is not base64.
func decodeB64(t testing.TB, v any) any {
	switch x := v.(type) {
	case string:
		b, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			t.Fatalf("a string in values is not base64: %q", x)
		}
		return string(b)
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = decodeB64(t, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = decodeB64(t, e)
		}
		return out
	}
	return v
}

func (a answer) str(k string) string {
	s, _ := a.Values[k].(string)
	return s
}

func (a answer) num(k string) int64 {
	f, _ := a.Values[k].(float64)
	return int64(f)
}

// newContext asks the server for a context.
func newContext(t testing.TB, s *dydutest.Server) string {
	t.Helper()
	a := post(t, s, "chat/context/"+s.BotID+"/", url.Values{"clientId": {"client-1"}, "language": {"fr"},
		"space": {"Defaut"}, "solutionUsed": {"ASSISTANT"}, "alreadyCame": {"false"}, "qualificationMode": {"false"}})
	if a.Status != 200 || a.str("contextId") == "" {
		t.Fatalf("context: %d %v", a.Status, a.Raw)
	}
	return a.str("contextId")
}

// talk sends userInput on context ctx ("" for none).
func talk(t testing.TB, s *dydutest.Server, ctx, input string, solution ...string) answer {
	t.Helper()
	path := "chat/talk/" + s.BotID + "/"
	if ctx != "" {
		path += ctx + "/"
	}
	sol := "ASSISTANT"
	if len(solution) > 0 {
		sol = solution[0]
	}
	return post(t, s, path, url.Values{"userInput": {input}, "language": {"fr"}, "space": {"Defaut"},
		"solutionUsed": {sol}, "clientId": {"client-1"}, "alreadyCame": {"true"},
		"mode": {base64.StdEncoding.EncodeToString([]byte("Synchron"))}})
}

// poll asks chat/poll/last for what came after lastPoll.
func poll(t testing.TB, s *dydutest.Server, ctx string, lastPoll int64) answer {
	t.Helper()
	return post(t, s, "chat/poll/last/"+s.BotID, url.Values{"solutionUsed": {"LIVECHAT"}, "format": {"JSon"},
		"space": {"Defaut"}, "contextUuid": {ctx}, "language": {"fr"}, "lastPoll": {itoa(lastPoll)}})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
