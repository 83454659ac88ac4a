package dydu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkDecodeEnvelope decodes a talk answer (every string base64)
// into an Answer; the floor does the same work by hand with the standard
// library: unmarshal into a map, decode each string field.
func BenchmarkDecodeEnvelope(b *testing.B) {
	body := []byte(fixture(b, "talk_response_encoded.json"))
	b.Run("dydu", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			env, err := DecodeEnvelope(body)
			if err != nil {
				b.Fatal(err)
			}
			if a := answerFrom(env.Values); a.ContextID != testCtx {
				b.Fatal(a.ContextID)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var raw struct {
				Values map[string]any `json:"values"`
			}
			if err := json.Unmarshal(body, &raw); err != nil {
				b.Fatal(err)
			}
			floorDecode(raw.Values)
			if raw.Values["contextId"] != testCtx {
				b.Fatal(raw.Values["contextId"])
			}
		}
	})
}

func floorDecode(v any) any {
	switch x := v.(type) {
	case string:
		if d, err := base64.StdEncoding.DecodeString(x); err == nil {
			return string(d)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = floorDecode(e)
		}
	case []any:
		for i, e := range x {
			x[i] = floorDecode(e)
		}
	}
	return v
}

// BenchmarkTalk is one talk over loopback HTTP; the floor posts the same
// form with net/http and decodes the answer by hand.
func BenchmarkTalk(b *testing.B) {
	body := fixture(b, "talk_response_encoded.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	ctx := context.Background()
	b.Run("dydu", func(b *testing.B) {
		c, err := NewClient(WithBotID(testBot), WithBaseURL(srv.URL))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			a, err := c.Talk(ctx, &TalkRequest{ContextID: testCtx, Input: "Combien dorment les chats ?", ClientID: "cl-1"})
			if err != nil || a.ContextID != testCtx {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		u := srv.URL + "/servlet/api/chat/talk/" + testBot + "/" + testCtx
		b.ReportAllocs()
		for b.Loop() {
			f := url.Values{"alreadyCame": {"false"}, "clientId": {"cl-1"}, "language": {"fr"}, "qualificationMode": {"false"}, "space": {"Defaut"},
				"userInput": {"Combien dorment les chats ?"}, "solutionUsed": {"ASSISTANT"}, "variables": {"{}"}}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var raw struct {
				Values map[string]any `json:"values"`
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				b.Fatal(err)
			}
			floorDecode(raw.Values)
			if raw.Values["contextId"] != testCtx {
				b.Fatal(raw.Values["contextId"])
			}
		}
	})
}
