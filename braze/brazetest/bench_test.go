package brazetest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/braze/brazetest"
)

// The benchmark: Users.Track of 10,000 attributes is exactly
// ⌈10,000/75⌉ = 134 requests, beside a floor that makes the same 134 POSTs
// with net/http and encoding/json by hand against the same fake.

const benchUsers = 10000

func benchAttributes() []braze.UserAttributes {
	attrs := make([]braze.UserAttributes, benchUsers)
	for i := range attrs {
		attrs[i] = braze.UserAttributes{ExternalID: fmt.Sprintf("user-%05d", i), Attributes: map[string]any{"zendesk_ticket_open": i%2 == 0, "plan": "pro"}}
	}
	return attrs
}

func BenchmarkUsersTrack10k(b *testing.B) {
	fake := brazetest.NewServer()
	b.Cleanup(fake.Close)
	c, err := braze.NewClient(braze.WithBaseURL(fake.URL), braze.WithAPIKey(fake.APIKey()))
	if err != nil {
		b.Fatal(err)
	}
	req := &braze.TrackRequest{Attributes: benchAttributes()}
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Users.Track(b.Context(), req)
		if err != nil || res.Requests != 134 {
			b.Fatal(res, err)
		}
	}
	b.ReportMetric(float64(fake.RequestCount("POST", "/users/track"))/float64(b.N), "requests/op")
}

func BenchmarkUsersTrack10kFloor(b *testing.B) {
	fake := brazetest.NewServer()
	b.Cleanup(fake.Close)
	// The same objects, as hand-written code would hold custom attributes.
	attrs := make([]map[string]any, benchUsers)
	for i := range attrs {
		attrs[i] = map[string]any{"external_id": fmt.Sprintf("user-%05d", i), "zendesk_ticket_open": i%2 == 0, "plan": "pro"}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: t}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for from := 0; from < len(attrs); from += 75 {
			body, err := json.Marshal(map[string]any{"attributes": attrs[from:min(from+75, len(attrs))]})
			if err != nil {
				b.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(b.Context(), http.MethodPost, fake.URL+"/users/track", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+fake.APIKey())
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out struct {
				Message string `json:"message"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || out.Message != "success" {
				b.Fatal(resp.StatusCode, err)
			}
			n++
		}
		if n != 134 {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(fake.RequestCount("POST", "/users/track"))/float64(b.N), "requests/op")
}
