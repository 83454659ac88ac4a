package brazetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
)

// newServer starts a fake that t closes, and returns it with its API key.
func newServer(t *testing.T, opts ...Option) (*Server, string) {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s, s.APIKey()
}

// objs is a JSON array of n copies of obj.
func objs(n int, obj string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(obj+",", n), ",") + "]"
}

// trackJSON is a users/track body of na attributes, ne events and np
// purchases; an array of none is left out.
func trackJSON(na, ne, np int) string {
	var members []string
	for _, m := range []struct {
		name, obj string
		n         int
	}{
		{"attributes", `{"external_id":"u"}`, na},
		{"events", `{"external_id":"u","name":"e","time":"2026-01-01T00:00:00Z"}`, ne},
		{"purchases", `{"external_id":"u","product_id":"p","currency":"USD","price":1,"time":"2026-01-01T00:00:00Z"}`, np},
	} {
		if m.n > 0 {
			members = append(members, `"`+m.name+`":`+objs(m.n, m.obj))
		}
	}
	return "{" + strings.Join(members, ",") + "}"
}

func post(t *testing.T, s *Server, path, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func TestAPIChecks(t *testing.T) {
	t.Parallel()
	s := NewServer(WithAPIKey("k-123456"))
	defer s.Close()
	camp, _ := s.AddCampaign(Campaign{Name: "c"})
	canvas := s.AddCanvas(Canvas{Name: "v"})
	s.AddUser(User{ExternalID: "u"})
	recips := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`{"external_user_id":"u%d"}`, i))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	for _, tc := range []struct {
		name, path, key, body string
		status                int
		message               string
	}{
		{"no key", "/users/track", "", `{}`, 401, "Invalid API key: no key was given"},
		{"wrong key", "/users/track", "nope", `{}`, 401, "Invalid API key"},
		{"unknown path", "/users/delete", "k-123456", `{}`, 404, "Not Found"},
		{"bad JSON", "/users/track", "k-123456", `{`, 400, "Bad Request"},
		{"unknown field", "/users/track", "k-123456", `{"attributez":[]}`, 400, "Bad Request"},
		{"51 recipients", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","recipients":` + recips(51) + `}`, 400, "The max number of external_ids and aliases per request was exceeded"},
		{"no recipients", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `"}`, 400, "No Recipients"},
		{"broadcast and recipients", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","broadcast":true,"recipients":[{"external_user_id":"u"}]}`, 400, "Bad Request"},
		{"broadcast and attachments", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","broadcast":true,"attachments":[{"file_name":"a","url":"https://x"}]}`, 400, "Bad Request"},
		{"two identifiers", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","recipients":[{"external_user_id":"u","braze_id":"b"}]}`, 400, "Bad Request"},
		{"email no prioritization", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","recipients":[{"email":"a@b"}]}`, 400, "Bad Request"},
		{"alias and existing only", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","recipients":[{"user_alias":{"alias_name":"a","alias_label":"b"},"send_to_existing_only":true}]}`, 400, "Bad Request"},
		{"create without attributes", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","recipients":[{"external_user_id":"n","send_to_existing_only":false}]}`, 400, "Bad Request"},
		{"context on campaign", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","recipients":[{"external_user_id":"u","context":{}}]}`, 400, "Bad Request"},
		{"canvas_id on campaign", "/campaigns/trigger/send", "k-123456", `{"campaign_id":"` + camp + `","canvas_id":"x","broadcast":true}`, 400, "Bad Request"},
		{"campaign_id on canvas", "/canvas/trigger/send", "k-123456", `{"canvas_id":"` + canvas + `","campaign_id":"x","broadcast":true}`, 400, "Bad Request"},
		{"trigger props on canvas recipient", "/canvas/trigger/send", "k-123456", `{"canvas_id":"` + canvas + `","recipients":[{"external_user_id":"u","trigger_properties":{}}]}`, 400, "Bad Request"},
		{"76 attributes", "/users/track", "k-123456", trackJSON(76, 0, 0), 400, "Max Input Length Exceeded"},
		{"76 events", "/users/track", "k-123456", trackJSON(0, 76, 0), 400, "Max Input Length Exceeded"},
		// 75 objects in total, combined across the arrays, by default.
		{"40 attributes and 36 events", "/users/track", "k-123456", trackJSON(40, 36, 0), 400, "Max Input Length Exceeded"},
		{"25 of each and one more purchase", "/users/track", "k-123456", trackJSON(25, 25, 26), 400, "Max Input Length Exceeded"},
		{"51 ids", "/messages/send", "k-123456", `{"external_user_ids":["u"` + strings.Repeat(`,"u"`, 50) + `],"messages":{"sms":{}}}`, 400, "The max number of external_ids and aliases per request was exceeded"},
		{"no users", "/messages/send", "k-123456", `{"messages":{"sms":{}}}`, 400, "No Recipients"},
		{"no message", "/messages/send", "k-123456", `{"external_user_ids":["u"]}`, 400, "No message to send"},
		{"sms without body", "/messages/send", "k-123456", `{"external_user_ids":["u"],"messages":{"sms":{"subscription_group_id":"g","app_id":"a"}}}`, 400, "Bad Request"},
		{"unknown campaign on messages", "/messages/send", "k-123456", `{"external_user_ids":["u"],"campaign_id":"x","messages":{"sms":{"subscription_group_id":"g","app_id":"a","body":"b"}}}`, 400, "Invalid Campaign ID"},
		{"identify nothing", "/users/identify", "k-123456", `{}`, 400, "Bad Request"},
		{"identify 51", "/users/identify", "k-123456", `{"aliases_to_identify":` + objs(51, `{"external_id":"x","user_alias":{"alias_name":"a","alias_label":"b"}}`) + `}`, 400, "The max number of external_ids and aliases per request was exceeded"},
		{"export 51", "/users/export/ids", "k-123456", `{"external_ids":["u"` + strings.Repeat(`,"u"`, 50) + `]}`, 400, "The max number of external_ids and aliases per request was exceeded"},
		{"status both", "/subscription/status/set", "k-123456", `{"subscription_group_id":"g","subscription_state":"subscribed","email":["a@b"],"phone":["+1"]}`, 400, msgBothEmailPhone},
		{"status no group", "/subscription/status/set", "k-123456", `{"subscription_state":"subscribed","phone":["+1"]}`, 400, "Bad Request"},
		{"status bad state", "/subscription/status/set", "k-123456", `{"subscription_group_id":"g","subscription_state":"maybe","phone":["+1"]}`, 400, "Bad Request"},
		{"status nobody", "/subscription/status/set", "k-123456", `{"subscription_group_id":"g","subscription_state":"subscribed"}`, 400, "Bad Request"},
		{"status 51", "/subscription/status/set", "k-123456", `{"subscription_group_id":"g","subscription_state":"subscribed","external_id":["u"` + strings.Repeat(`,"u"`, 50) + `]}`, 400, "The max number of ids per request was exceeded"},
		{"status bad list", "/subscription/status/set", "k-123456", `{"subscription_group_id":"g","subscription_state":"subscribed","external_id":5}`, 400, "Bad Request"},
	} {
		status, body := post(t, s, tc.path, tc.key, tc.body)
		if status != tc.status || body["message"] != tc.message {
			t.Errorf("%s: %d %v, want %d %q", tc.name, status, body, tc.status, tc.message)
		}
	}
	if n := len(s.Sends()); n != 0 {
		t.Fatalf("%d sends after refusals", n)
	}
	// GET is not served.
	get, _ := http.NewRequest(http.MethodGet, s.URL+"/users/track", nil)
	get.Header.Set("Authorization", "Bearer k-123456")
	resp, err := s.Client().Do(get)
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("GET: %v %v", resp, err)
	}
	resp.Body.Close()
}

// SendsTo lists what one customer received, in order.
func TestSendsTo(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	s.AddCampaign(Campaign{ID: "camp", Message: "{{api_trigger_properties.${msg}}}"})
	for _, u := range []string{"u1", "u2"} {
		s.AddUser(User{ExternalID: u})
	}
	for _, r := range []string{`"u1","trigger_properties":{"msg":"a"}`, `"u2","trigger_properties":{"msg":"b"}`, `"u1","trigger_properties":{"msg":"c"}`} {
		if status, out := post(t, s, "/campaigns/trigger/send", k, `{"campaign_id":"camp","recipients":[{"external_user_id":`+r+`}]}`); status != 201 {
			t.Fatalf("%d %v", status, out)
		}
	}
	if got := s.SendsTo("u1"); len(got) != 2 || got[0].Message != "a" || got[1].Message != "c" {
		t.Fatalf("u1: %+v", got)
	}
	if got := s.SendsTo("nobody"); len(got) != 0 {
		t.Fatalf("nobody: %+v", got)
	}
}

func TestAPIStateEdges(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	camp, _ := s.AddCampaign(Campaign{ID: "camp", Message: "Hi {{${first_name}}}: {{api_trigger_properties.${msg}}} {{unknown.${x}}}"})
	canvas := s.AddCanvas(Canvas{ID: "cv"})
	s.AddUser(User{ExternalID: "u", FirstName: "Ada", Email: "ada@example.com", Aliases: []Alias{{"a1", "sms"}}})
	s.AddUser(User{ExternalID: "u", FirstName: "Ada", LastName: "L", Email: "ada@example.com", Aliases: []Alias{{"a1", "sms"}}}) // replaces
	if len(s.Users()) != 1 {
		t.Fatalf("users = %+v", s.Users())
	}
	u, _ := s.User("u")
	// Broadcasts, recipients by alias, braze_id and email.
	for _, body := range []string{
		`{"campaign_id":"camp","broadcast":true,"trigger_properties":{"msg":"all"}}`,
		`{"campaign_id":"camp","recipients":[{"user_alias":{"alias_name":"a1","alias_label":"sms"}},{"braze_id":"` + u.BrazeID + `"},{"email":"ADA@example.com","prioritization":["identified"],"trigger_properties":{"msg":"yo"}}]}`,
	} {
		if status, out := post(t, s, "/campaigns/trigger/send", k, body); status != 201 || out["dispatch_id"] == nil {
			t.Fatalf("%d %v", status, out)
		}
	}
	sends := s.Sends()
	if len(sends) != 4 || !sends[0].Broadcast || sends[1].UserAlias == nil || sends[2].BrazeID != u.BrazeID || sends[3].Message != "Hi Ada: yo {{unknown.${x}}}" {
		t.Fatalf("sends = %+v", sends)
	}
	if status, _ := post(t, s, "/canvas/trigger/send", k, `{"canvas_id":"`+canvas+`","broadcast":true,"context":{"a":1}}`); status != 201 || s.Sends()[4].Context["a"] != float64(1) {
		t.Fatalf("canvas broadcast: %d", status)
	}
	// messages/send: broadcast to a segment, aliases.
	if status, _ := post(t, s, "/messages/send", k, `{"broadcast":true,"segment_id":"s","messages":{"sms":{"subscription_group_id":"g","app_id":"a","body":"b"}}}`); status != 201 {
		t.Fatal(status)
	}
	if status, _ := post(t, s, "/messages/send", k, `{"user_aliases":[{"alias_name":"a1","alias_label":"sms"},{"alias_name":"no","alias_label":"sms"}],"campaign_id":"`+camp+`","messages":{"sms":{"subscription_group_id":"g","app_id":"a","body":"b"}}}`); status != 201 {
		t.Fatal(status)
	}
	if n := len(s.Sends()); n != 7 {
		t.Fatalf("sends = %d", n)
	}
	// users/track: creating by email and phone, alias-only users, bad objects.
	status, out := post(t, s, "/users/track", k, `{"attributes":[
		{"email":"new@example.com","phone":"+1555","first_name":"N"},
		{"phone":"+1666","home_city":"Paris"},
		{"user_alias":{"alias_name":"x","alias_label":"y"},"_update_existing_only":false,"vip":1},
		{"user_alias":{"alias_name":"z","alias_label":"y"},"vip":1},
		{"user_alias":{"alias_name":"","alias_label":"y"}},
		{"braze_id":"nope"},
		{"nothing":1},
		{"external_id":"u","subscription_groups":[{"subscription_group_id":"g","subscription_state":"unsubscribed"}]}
	],"events":[{"external_id":"u","name":"e"},{"email":"ada@example.com","name":"e","time":"t1"},{"email":"ada@example.com","name":"e","time":"t2"},{"braze_id":"nope","name":"e","time":"t"}],
	"purchases":[{"external_id":"u","product_id":"p","time":"t","currency":"EUR","price":1}]}`)
	if status != 200 || out["attributes_processed"] != float64(4) || out["events_processed"] != float64(2) || out["purchases_processed"] != float64(1) {
		t.Fatalf("%d %v", status, out)
	}
	if errs, _ := out["errors"].([]any); len(errs) != 6 {
		t.Fatalf("errors = %v", out["errors"])
	}
	u, _ = s.User("u")
	if u.Subscriptions["g"] != "unsubscribed" || len(u.Events) != 2 {
		t.Fatalf("user = %+v", u)
	}
	// identify by email and phone: merge into an existing profile, or name
	// a new one.
	if status, _ := post(t, s, "/users/identify", k, `{"emails_to_identify":[{"external_id":"n1","email":"new@example.com","prioritization":["unidentified"]}],
		"phone_numbers_to_identify":[{"external_id":"u","phone":"+1666","prioritization":["unidentified"]}]}`); status != 200 {
		t.Fatal(status)
	}
	if n1, ok := s.User("n1"); !ok || n1.FirstName != "N" {
		t.Fatalf("n1 = %+v", n1)
	}
	if u, _ = s.User("u"); u.CustomAttributes["home_city"] != "Paris" || u.Phone != "+1666" {
		t.Fatalf("merged = %+v", u)
	}
	// export by alias, braze id, email; unknown ones listed.
	status, out = post(t, s, "/users/export/ids", k, `{"user_aliases":[{"alias_name":"a1","alias_label":"sms"},{"alias_name":"q","alias_label":"q"}],"braze_id":"`+u.BrazeID+`","email_address":"nobody@example.com"}`)
	users, _ := out["users"].([]any)
	if status != 200 || len(users) != 2 || fmt.Sprint(out["invalid_user_ids"]) != "[q nobody@example.com]" {
		t.Fatalf("%d %v", status, out)
	}
	first := users[0].(map[string]any)
	if ev := first["custom_events"].([]any)[0].(map[string]any); ev["count"] != float64(2) || ev["last"] != "t2" {
		t.Fatalf("events = %v", first["custom_events"])
	}
	// subscription by email; a single string accepted for a list.
	if status, _ := post(t, s, "/subscription/status/set", k, `{"subscription_group_id":"e","subscription_state":"subscribed","email":"ADA@example.com"}`); status != 201 {
		t.Fatal(status)
	}
	if u, _ = s.User("u"); u.Subscriptions["e"] != "subscribed" {
		t.Fatalf("user = %+v", u)
	}
}

func TestRequestLogFaultsAndRateLimit(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1_800_000_000, 250_000_000)
	s, k := newServer(t, WithClock(func() time.Time { return clock }), WithRateLimit(1, time.Minute))
	status, _ := post(t, s, "/users/export/ids", k, `{"external_ids":["x"]}`)
	if status != 200 {
		t.Fatal(status)
	}
	status, out := post(t, s, "/users/export/ids", k, `{"external_ids":["x"]}`)
	if status != 429 || out["message"] != "Rate Limited" {
		t.Fatalf("%d %v", status, out)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[1].Status != 429 || reqs[0].Header.Get("Authorization") != "[redacted]" || string(reqs[0].Body) != `{"external_ids":["x"]}` || !reqs[0].Time.Equal(clock) {
		t.Fatalf("requests = %+v", reqs)
	}
	// The reset is the end of the minute window, aligned to the epoch.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/users/export/ids", strings.NewReader(`{}`))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-RateLimit-Reset"); got != "1800000060" || resp.Header.Get("X-RateLimit-Limit") != "1" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("headers = %v", resp.Header)
	}
	s.SetRateLimit(0, 0)
	s.InjectFault(Fault{Path: "/users/export/ids", Status: 502, Times: 2})
	s.InjectFault(Fault{Path: "/users/track", Status: 500})
	s.ClearFaults()
	if status, _ := post(t, s, "/users/track", k, `{"attributes":[{"external_id":"u"}]}`); status != 200 {
		t.Fatalf("cleared fault answered %d", status)
	}
	s.InjectFault(Fault{Path: "/users/export/ids", Status: 502})
	if status, _ := post(t, s, "/users/export/ids", k, `{"external_ids":["x"]}`); status != 502 || s.Requests()[len(s.Requests())-1].Fault != "Bad Gateway" {
		t.Fatalf("fault: %d", status)
	}
	if n := s.RequestCount("POST", "/users/"); n != 5 {
		t.Fatalf("RequestCount = %d, want 5", n)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 || s.RequestCount("", "") != 0 {
		t.Fatalf("%d requests after ResetRequests", n)
	}
	if status, _ := post(t, s, "/users/track", k, `{"attributes":[{"external_id":"u"}]}`); status != 200 || len(s.Requests()) != 1 {
		t.Fatalf("after ResetRequests: %d, %d logged", status, len(s.Requests()))
	}
}

// Braze counts a budget per endpoint group
// (https://www.braze.com/docs/api/api_limits/); so does the fake.
func TestRateLimitPerBudgetGroup(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1_800_000_000, 0) // all in one window
	s := NewServer(WithClock(func() time.Time { return clock }), WithRateLimit(1, time.Minute))
	defer s.Close()
	s.AddUser(User{ExternalID: "u"})
	k := s.APIKey()
	sms := `{"external_user_ids":["u"],"messages":{"sms":{"subscription_group_id":"g","body":"b","app_id":"a"}}}`
	for _, step := range []struct {
		path, body string
		want       int
	}{
		{"/users/export/ids", `{"external_ids":["u"]}`, 200},
		{"/users/export/ids", `{"external_ids":["u"]}`, 429},
		{"/messages/send", sms, 201},
		{"/messages/send", sms, 429},
		{"/campaigns/trigger/send", `{"campaign_id":"c","recipients":[{"external_user_id":"u"}]}`, 429}, // shares the sends' budget
		{"/users/track", `{"attributes":[{"external_id":"u"}]}`, 200},
		{"/users/identify", `{"aliases_to_identify":[{"external_id":"u","user_alias":{"alias_name":"a","alias_label":"l"}}]}`, 200},
		{"/users/alias/new", `{}`, 429}, // shares users/identify's budget
		{"/subscription/status/set", `{"subscription_group_id":"g","subscription_state":"subscribed","external_id":["u"]}`, 201},
		{"/v2/subscription/status/set", `{}`, 429}, // v1 and v2 share
		{"/campaigns/list", `{}`, 404},             // the default budget
	} {
		status, out := post(t, s, step.path, k, step.body)
		if status != step.want {
			t.Errorf("%s: %d %v, want %d", step.path, status, out, step.want)
		}
	}
}

// The indexes follow every change of an identifier: a lookup by email,
// phone, alias or Braze ID finds the profile as it is now, the oldest when
// several share the key, and none that was merged away or replaced.
func TestIndexesFollowChanges(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	mustPost := func(path, body string, want int) map[string]any {
		t.Helper()
		status, out := post(t, s, path, k, body)
		if status != want {
			t.Fatalf("%s %s: %d %v", path, body, status, out)
		}
		return out
	}
	exported := func(body string) []any {
		t.Helper()
		users, _ := mustPost("/users/export/ids", body, 200)["users"].([]any)
		return users
	}
	// An email set as a field through external_id is then an identifier.
	mustPost("/users/track", `{"attributes":[{"external_id":"u1","email":"Ada@Example.com","phone":"+15550001"}]}`, 200)
	mustPost("/users/track", `{"attributes":[{"email":" ada@example.COM ","plan":"pro"},{"phone":"+15550001","tier":2}]}`, 200)
	if u, _ := s.User("u1"); len(s.Users()) != 1 || u.CustomAttributes["plan"] != "pro" || u.CustomAttributes["tier"] != float64(2) {
		t.Fatalf("users = %+v", s.Users())
	}
	// Changing it moves the profile in the index.
	mustPost("/users/track", `{"attributes":[{"external_id":"u1","email":"lovelace@example.com"}]}`, 200)
	if users := exported(`{"email_address":"ada@example.com"}`); len(users) != 0 {
		t.Fatalf("old email still finds %v", users)
	}
	if users := exported(`{"email_address":"LOVELACE@example.com"}`); len(users) != 1 {
		t.Fatalf("new email finds %v", users)
	}
	// A replaced profile (AddUser) is found by its new fields only.
	s.AddUser(User{ExternalID: "u1", Email: "new@example.com", Phone: "+15550002"})
	if users := exported(`{"phone":"+15550001"}`); len(users) != 0 {
		t.Fatalf("old phone still finds %v", users)
	}
	u1, _ := s.User("u1")
	if users := exported(`{"braze_id":"` + u1.BrazeID + `"}`); len(users) != 1 {
		t.Fatalf("braze_id finds %v", users)
	}
	// Two profiles share a phone: a lookup takes the older, a subscription
	// change updates both.
	mustPost("/users/track", `{"attributes":[{"external_id":"u2","phone":"+15550002"}]}`, 200)
	if users := exported(`{"phone":"+15550002"}`); len(users) != 1 || users[0].(map[string]any)["external_id"] != "u1" {
		t.Fatalf("shared phone finds %v", users)
	}
	mustPost("/subscription/status/set", `{"subscription_group_id":"g","subscription_state":"subscribed","phone":["+15550002"]}`, 201)
	for _, id := range []string{"u1", "u2"} {
		if u, _ := s.User(id); u.Subscriptions["g"] != "subscribed" {
			t.Fatalf("%s: %+v", id, u)
		}
	}
	// An alias-only profile merged into an identified one: the alias then
	// finds the identified profile, and the anonymous one is gone.
	mustPost("/users/track", `{"attributes":[{"user_alias":{"alias_name":"a1","alias_label":"sms"},"_update_existing_only":false,"email":"anon@example.com","city":"Paris"}]}`, 200)
	n := len(s.Users())
	mustPost("/users/identify", `{"aliases_to_identify":[{"external_id":"u2","user_alias":{"alias_name":"a1","alias_label":"sms"}}]}`, 200)
	if len(s.Users()) != n-1 {
		t.Fatalf("users = %+v", s.Users())
	}
	users := exported(`{"user_aliases":[{"alias_name":"a1","alias_label":"sms"}],"email_address":"anon@example.com"}`)
	if len(users) != 2 || users[0].(map[string]any)["external_id"] != "u2" || users[1].(map[string]any)["external_id"] != "u2" {
		t.Fatalf("merged profile: %v", users)
	}
	// A trigger send's attributes change the email of its recipient too.
	camp, _ := s.AddCampaign(Campaign{Name: "c"})
	mustPost("/campaigns/trigger/send", `{"campaign_id":"`+camp+`","recipients":[{"external_user_id":"u2","attributes":{"email":"sent@example.com"}}]}`, 201)
	mustPost("/campaigns/trigger/send", `{"campaign_id":"`+camp+`","recipients":[{"email":"SENT@example.com","prioritization":["identified"]}]}`, 201)
	if sends := s.Sends(); len(sends) != 2 || sends[1].Email != "SENT@example.com" {
		t.Fatalf("sends = %+v", sends)
	}
	// Users lists the profiles in creation order.
	if all := s.Users(); all[0].ExternalID != "u1" || all[1].ExternalID != "u2" {
		t.Fatalf("order: %+v", all)
	}
}

// Braze reads JSON keys as written: "EXTERNAL_USER_IDS" is not
// "external_user_ids" (encoding/json alone would take it). The fake
// refuses a key it does not know, so a client that miscases one hears of
// it, at the top level and nested alike; nothing is carried out.
func TestJSONKeysMatchCase(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	s.AddUser(User{ExternalID: "u"})
	camp, _ := s.AddCampaign(Campaign{Name: "c"})
	canvas := s.AddCanvas(Canvas{Name: "v"})
	sms := `"messages":{"sms":{"subscription_group_id":"g","app_id":"a","body":"b"}}`
	for _, tc := range []struct{ path, body, key string }{
		{"/messages/send", `{"EXTERNAL_USER_IDS":["u"],` + sms + `}`, "EXTERNAL_USER_IDS"},
		{"/messages/send", `{"external_user_ids":["u"],"Messages":{"sms":{}}}`, "Messages"},
		{"/campaigns/trigger/send", `{"Campaign_ID":"` + camp + `","recipients":[{"external_user_id":"u"}]}`, "Campaign_ID"},
		{"/campaigns/trigger/send", `{"campaign_id":"` + camp + `","recipients":[{"External_User_Id":"u"}]}`, "recipients[0].External_User_Id"},
		{"/campaigns/trigger/send", `{"campaign_id":"` + camp + `","recipients":[{"user_alias":{"Alias_Name":"a","alias_label":"l"}}]}`, "recipients[0].user_alias.Alias_Name"},
		{"/canvas/trigger/send", `{"canvas_id":"` + canvas + `","recipients":[{"external_user_id":"u","Context":{"a":1}}]}`, "recipients[0].Context"},
		{"/users/track", `{"Attributes":[{"external_id":"u","plan":"pro"}]}`, "Attributes"},
		{"/users/identify", `{"aliases_to_identify":[{"External_ID":"u","user_alias":{"alias_name":"a","alias_label":"l"}}]}`, "aliases_to_identify[0].External_ID"},
		{"/users/export/ids", `{"External_IDs":["u"]}`, "External_IDs"},
		{"/subscription/status/set", `{"subscription_group_id":"g","subscription_state":"subscribed","External_ID":["u"]}`, "External_ID"},
	} {
		status, out := post(t, s, tc.path, k, tc.body)
		errs, _ := out["errors"].([]any)
		if status != 400 || out["message"] != "Bad Request" || len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), `unknown field "`+tc.key+`"`) {
			t.Errorf("%s %s: %d %v, want 400 naming %q", tc.path, tc.body, status, out, tc.key)
		}
	}
	if u, _ := s.User("u"); len(s.Sends()) != 0 || u.CustomAttributes["plan"] != nil || len(s.Users()) != 1 {
		t.Fatalf("carried out: sends %+v, users %+v", s.Sends(), s.Users())
	}
	// Keys inside free-form objects (custom attributes, properties) are
	// the caller's and kept as written.
	if status, out := post(t, s, "/users/track", k, `{"attributes":[{"external_id":"u","Plan":"pro","plan":"free"}]}`); status != 200 {
		t.Fatalf("%d %v", status, out)
	}
	if u, _ := s.User("u"); u.CustomAttributes["Plan"] != "pro" || u.CustomAttributes["plan"] != "free" {
		t.Fatalf("user = %+v", u)
	}
}

// A 401 says the key was refused without repeating it: the body and the
// headers hold nothing of what was sent, whatever its form.
func TestUnauthorizedDoesNotEchoKey(t *testing.T) {
	t.Parallel()
	s := NewServer(WithAPIKey("bz-right-key-0a1b2c3d"))
	defer s.Close()
	for _, auth := range []string{
		"Bearer bz-wrong-key-9f8e7d6c",
		`Bearer "bz-right-key-0a1b2c3d"`, // quoted: Braze answers 401
		"Bearer bz-right-key-0a1b2c3d-and-more",
		"Basic YnotYS1iYXNpYy1zZWNyZXQ=",
		"bz-bare-key-5e4d3c2b",
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/users/track", strings.NewReader(`{}`))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sent := strings.Trim(strings.TrimPrefix(strings.TrimPrefix(auth, "Basic "), "Bearer "), `"`)
		if resp.StatusCode != 401 || strings.Contains(string(raw), sent) || strings.Contains(fmt.Sprint(resp.Header), sent) {
			t.Errorf("%q: %d %s %v", auth, resp.StatusCode, raw, resp.Header)
		}
		var out map[string]any
		if json.Unmarshal(raw, &out) != nil || out["message"] != "Invalid API key" {
			t.Errorf("%q: body %s", auth, raw)
		}
	}
}

// canvas/trigger/send takes canvas_entry_properties, Braze's older name
// for context that it still accepts, at the top level and per recipient:
// the fake merges it into the send's Context (the recipient's over the
// request's; at one level, context over canvas_entry_properties). Like
// context, it is an object of at most 50 KB, and for Canvases only.
func TestCanvasEntryProperties(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	s.AddUser(User{ExternalID: "u"})
	s.AddUser(User{ExternalID: "v"})
	canvas := s.AddCanvas(Canvas{Name: "v"})
	camp, _ := s.AddCampaign(Campaign{Name: "c"})
	status, out := post(t, s, "/canvas/trigger/send", k, `{"canvas_id":"`+canvas+`",
		"canvas_entry_properties":{"product":"shoes","price":79.99,"old":"top"},
		"recipients":[
			{"external_user_id":"u","canvas_entry_properties":{"product":"boots"}},
			{"external_user_id":"v","context":{"product":"sandals","old":"ctx"},"canvas_entry_properties":{"product":"clogs","size":42}}]}`)
	if status != 201 || out["dispatch_id"] == nil {
		t.Fatalf("%d %v", status, out)
	}
	sends := s.Sends()
	if len(sends) != 2 {
		t.Fatalf("sends = %+v", sends)
	}
	if got := fmt.Sprint(sends[0].Context); got != "map[old:top price:79.99 product:boots]" {
		t.Errorf("u: context %s", got)
	}
	if got := fmt.Sprint(sends[1].Context); got != "map[old:ctx price:79.99 product:sandals size:42]" {
		t.Errorf("v: context %s", got)
	}
	// Both names at the top level of a broadcast; context wins.
	if status, out := post(t, s, "/canvas/trigger/send", k, `{"canvas_id":"`+canvas+`","broadcast":true,"canvas_entry_properties":{"a":1,"b":1},"context":{"b":2}}`); status != 201 {
		t.Fatalf("%d %v", status, out)
	} else if got := fmt.Sprint(s.Sends()[2].Context); got != "map[a:1 b:2]" {
		t.Errorf("broadcast: context %s", got)
	}
	big := `{"x":"` + strings.Repeat("a", 50<<10) + `"}`
	for _, tc := range []struct{ name, path, body string }{
		{"on a campaign", "/campaigns/trigger/send", `{"campaign_id":"` + camp + `","canvas_entry_properties":{"a":1},"recipients":[{"external_user_id":"u"}]}`},
		{"on a campaign recipient", "/campaigns/trigger/send", `{"campaign_id":"` + camp + `","recipients":[{"external_user_id":"u","canvas_entry_properties":{"a":1}}]}`},
		{"not an object", "/canvas/trigger/send", `{"canvas_id":"` + canvas + `","canvas_entry_properties":"shoes","recipients":[{"external_user_id":"u"}]}`},
		{"recipient's not an object", "/canvas/trigger/send", `{"canvas_id":"` + canvas + `","recipients":[{"external_user_id":"u","canvas_entry_properties":""}]}`},
		{"over 50 KB", "/canvas/trigger/send", `{"canvas_id":"` + canvas + `","canvas_entry_properties":` + big + `,"recipients":[{"external_user_id":"u"}]}`},
		{"recipient's over 50 KB", "/canvas/trigger/send", `{"canvas_id":"` + canvas + `","recipients":[{"external_user_id":"u","canvas_entry_properties":` + big + `}]}`},
		{"context over 50 KB", "/canvas/trigger/send", `{"canvas_id":"` + canvas + `","context":` + big + `,"recipients":[{"external_user_id":"u"}]}`},
	} {
		if status, out := post(t, s, tc.path, k, tc.body); status != 400 || out["message"] != "Bad Request" {
			t.Errorf("%s: %d %v, want 400", tc.name, status, out)
		}
	}
	if n := len(s.Sends()); n != 3 {
		t.Fatalf("%d sends after refusals", n)
	}
	// Exactly 50 KB is allowed.
	fits := `{"x":"` + strings.Repeat("a", 50<<10-8) + `"}`
	if status, out := post(t, s, "/canvas/trigger/send", k, `{"canvas_id":"`+canvas+`","canvas_entry_properties":`+fits+`,"recipients":[{"external_user_id":"u"}]}`); status != 201 {
		t.Fatalf("50 KB: %d %v", status, out)
	}
}

// users/identify takes merge_behavior "none" or "merge"; since 7 August
// 2023 Braze merges on every call whatever it says, and so does the fake.
// Another value is refused.
func TestIdentifyMergeBehavior(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	for i, mb := range []string{`"merge"`, `"none"`, `null`} {
		id := fmt.Sprintf("u%d", i)
		alias := fmt.Sprintf(`{"alias_name":"a%d","alias_label":"sms"}`, i)
		s.AddUser(User{ExternalID: id})
		if status, out := post(t, s, "/users/track", k, `{"attributes":[{"user_alias":`+alias+`,"_update_existing_only":false,"city":"Paris"}]}`); status != 200 {
			t.Fatalf("%d %v", status, out)
		}
		status, out := post(t, s, "/users/identify", k, `{"aliases_to_identify":[{"external_id":"`+id+`","user_alias":`+alias+`}],"merge_behavior":`+mb+`}`)
		if status != 200 || out["aliases_processed"] != float64(1) {
			t.Fatalf("%s: %d %v", mb, status, out)
		}
		if u, _ := s.User(id); u.CustomAttributes["city"] != "Paris" || len(u.Aliases) != 1 {
			t.Errorf("%s: not merged: %+v", mb, u)
		}
	}
	if n := len(s.Users()); n != 3 {
		t.Fatalf("users = %+v", s.Users())
	}
	for _, mb := range []string{`"Merge"`, `"both"`, `""`, `true`, `["merge"]`} {
		status, out := post(t, s, "/users/identify", k, `{"aliases_to_identify":[{"external_id":"u0","user_alias":{"alias_name":"x","alias_label":"sms"}}],"merge_behavior":`+mb+`}`)
		if status != 400 || out["message"] != "Bad Request" {
			t.Errorf("%s: %d %v, want 400", mb, status, out)
		}
	}
}

// setClock moves clock to t, forwards or back.
func setClock(clock *testkit.Clock, t time.Time) { clock.Advance(t.Sub(clock.Now())) }

// X-RateLimit-Reset is "the time at which the current rate limit window
// resets in UTC epoch seconds"; the fake's windows are aligned to the
// epoch, so for a window of whole seconds the header is exactly the
// window's end, and a client that waits for it finds a fresh budget the
// moment it may send again.
func TestRateLimitResetIsWindowEnd(t *testing.T) {
	t.Parallel()
	const base = 1_800_000_000 // a multiple of 3, 60 and 3600
	at := func(sec float64) time.Time { return time.Unix(0, int64(sec*1e9)) }
	clock := testkit.NewClock()
	setClock(clock, at(base))
	s := NewServer(WithClock(clock.Now))
	defer s.Close()
	type want struct {
		status           int
		remaining, reset string
	}
	check := func(name, path string, when time.Time, w want) {
		t.Helper()
		setClock(clock, when)
		body := `{"external_ids":["x"]}`
		if path == "/users/track" {
			body = `{"attributes":[{"external_id":"x"}]}`
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.APIKey())
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := want{resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"), resp.Header.Get("X-RateLimit-Reset")}
		if got != w {
			t.Errorf("%s: %+v, want %+v", name, got, w)
		}
	}
	// One-second windows: [base, base+1) whenever the first request comes.
	s.SetRateLimit(2, time.Second)
	check("first, a quarter in", "/users/export/ids", at(base+0.25), want{200, "1", "1800000001"})
	check("second", "/users/export/ids", at(base+0.999), want{200, "0", "1800000001"})
	check("over", "/users/export/ids", at(base+0.9999), want{429, "0", "1800000001"})
	check("at the reset", "/users/export/ids", at(base+1), want{200, "1", "1800000002"})
	// users/track's documented window: 3 seconds.
	s.SetRateLimit(1, 3*time.Second)
	check("3 s", "/users/track", at(base+4.5), want{200, "0", "1800000006"})
	check("3 s, over", "/users/track", at(base+5.99), want{429, "0", "1800000006"})
	check("3 s, next", "/users/track", at(base+6), want{200, "0", "1800000009"})
	// A minute and an hour end on the minute and the hour.
	s.SetRateLimit(1, time.Minute)
	check("minute", "/users/export/ids", at(base+3600+59.5), want{200, "0", "1800003660"})
	s.SetRateLimit(1, time.Hour)
	check("hour", "/users/export/ids", at(base+1800), want{200, "0", "1800003600"})
	// 7 s does not divide the seconds from year 1 to 1970, so a window
	// aligned with time.Truncate would not end on a multiple of 7 s since
	// the epoch; the fake's does.
	s.SetRateLimit(1, 7*time.Second)
	check("7 s", "/users/export/ids", at(base+0.5), want{200, "0", "1800000006"}) // base = 7×257142857 + 1
	// A window that is not whole seconds: the header, in whole seconds,
	// is rounded up, so a client that waits for it finds the window over.
	s.SetRateLimit(1, 400*time.Millisecond)
	check("400 ms", "/users/export/ids", at(base+10.1), want{200, "0", "1800000011"})
	check("400 ms, over", "/users/export/ids", at(base+10.3), want{429, "0", "1800000011"})
	check("400 ms, next", "/users/export/ids", at(base+10.4), want{200, "0", "1800000011"})
}

// users/track takes 75 objects in total per request by default, and 75 of
// each array on a server WithLegacyTrackLimits, as Braze's legacy rate
// limits do.
func TestUsersTrackObjectLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		legacy     bool
		na, ne, np int
		status     int
	}{
		{false, 75, 0, 0, 200},
		{false, 25, 25, 25, 200},
		{false, 0, 0, 75, 200},
		{false, 25, 25, 26, 400},
		{false, 75, 75, 75, 400},
		{true, 75, 75, 75, 200},
		{true, 76, 0, 0, 400},
		{true, 0, 0, 76, 400},
	} {
		var opts []Option
		if tc.legacy {
			opts = append(opts, WithLegacyTrackLimits())
		}
		s, k := newServer(t, opts...)
		status, body := post(t, s, "/users/track", k, trackJSON(tc.na, tc.ne, tc.np))
		if status != tc.status || (status == 400 && body["message"] != msgMaxInputLength) {
			t.Errorf("legacy %v, %d/%d/%d: %d %v, want %d", tc.legacy, tc.na, tc.ne, tc.np, status, body, tc.status)
		}
	}
}

// A minor error without an index is written without one: the client's
// "no index" reading can be exercised against the fake.
func TestMinorErrorIndexOmittedWhenNil(t *testing.T) {
	t.Parallel()
	s, k := newServer(t)
	three := 3
	s.InjectMinorErrors("/users/track", MinorError{Type: "no index", InputArray: "events"}, MinorError{Type: "third", InputArray: "attributes", Index: &three})
	status, body := post(t, s, "/users/track", k, `{"attributes":[{"external_id":"u"}]}`)
	errs, _ := body["errors"].([]any)
	if status != 200 || len(errs) != 2 {
		t.Fatalf("%d %v", status, body)
	}
	if _, has := errs[0].(map[string]any)["index"]; has {
		t.Errorf("an error without an index has one: %v", errs[0])
	}
	if i := errs[1].(map[string]any)["index"]; i != float64(3) {
		t.Errorf("index = %v, want 3", i)
	}
}
