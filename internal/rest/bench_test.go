package rest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

// benchTicket is a ~2 KB JSON object shaped like a Zendesk ticket.
type benchTicket struct {
	ID           int64    `json:"id"`
	URL          string   `json:"url"`
	Subject      string   `json:"subject"`
	Description  string   `json:"description"`
	Status       string   `json:"status"`
	Priority     string   `json:"priority"`
	RequesterID  int64    `json:"requester_id"`
	AssigneeID   int64    `json:"assignee_id"`
	GroupID      int64    `json:"group_id"`
	Tags         []string `json:"tags"`
	CustomFields []struct {
		ID    int64  `json:"id"`
		Value string `json:"value"`
	} `json:"custom_fields"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func benchBody() []byte {
	var fields []string
	for i := range 12 {
		fields = append(fields, fmt.Sprintf(`{"id":%d,"value":"value-%d"}`, 360000000+i, i))
	}
	body := fmt.Sprintf(`{"ticket":{"id":35436,"url":"https://acme.zendesk.com/api/v2/tickets/35436.json","subject":"Help, my printer is on fire!","description":%q,"status":"open","priority":"high","requester_id":20978392,"assignee_id":235323,"group_id":98738,"tags":["enterprise","printer","fire","urgent"],"custom_fields":[%s],"created_at":"2009-07-20T22:55:29Z","updated_at":"2011-05-05T10:38:52Z"}}`,
		strings.Repeat("The fire is very colorful and spreads quickly. ", 24), strings.Join(fields, ","))
	return []byte(body)
}

func benchServer(b *testing.B) *httptest.Server {
	body := benchBody()
	if len(body) < 1800 || len(body) > 2300 {
		b.Fatalf("body is %d bytes, want ~2 KB", len(body))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRestGet is a GET + decode through the core.
func BenchmarkRestGet(b *testing.B) {
	srv := benchServer(b)
	var s Settings
	if err := s.SetBaseURL(srv.URL); err != nil {
		b.Fatal(err)
	}
	// The floor's client: no attempt timeout (a client-wide Timeout costs
	// net/http a timer, a context and a copy of the request per call).
	if err := s.SetHTTPClient(testkit.PooledClient()); err != nil {
		b.Fatal(err)
	}
	s.SetCredential("WithBench", Bearer("bench-token"))
	c, err := NewClient(&Vendor{Name: "bench", Credentials: "WithBench", Header: http.Header{"Accept": {"application/json"}}}, &s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		t, err := Get[benchTicket](b.Context(), c, Pathf("/api/v2/tickets/%d", 35436), nil, "ticket")
		if err != nil {
			b.Fatal(err)
		}
		if t.ID != 35436 {
			b.Fatal("bad decode")
		}
	}
}

// BenchmarkRestGetFloor does the same work with net/http and encoding/json
// only: the floor BenchmarkRestGet is read against.
func BenchmarkRestGetFloor(b *testing.B) {
	srv := benchServer(b)
	hc := testkit.PooledClient()
	b.ReportAllocs()
	for b.Loop() {
		var out struct {
			Ticket benchTicket `json:"ticket"`
		}
		testkit.GetJSON(b, hc, srv.URL+"/api/v2/tickets/35436", "bench-token", &out)
		if out.Ticket.ID != 35436 {
			b.Fatal("bad decode")
		}
	}
}
