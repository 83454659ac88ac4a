package cxone

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Each test here names one guess of unconfirmed.go: what CXone does not
// document publicly, so that a change of the guess is a change of a test.

// TestUnconfirmedClientSecretPost names the doubt: whether CXone wants the
// client id and secret in the form body or as Basic is not documented; the
// body is the default.
func TestUnconfirmedClientSecretPost(t *testing.T) {
	t.Parallel()
	if defaultClientSecretBasic() {
		t.Fatal("Basic is the default")
	}
}

// TestUnconfirmedTokenLifetime names the doubt: "generally an hour" is
// the FAQ's word for a token without expires_in.
func TestUnconfirmedTokenLifetime(t *testing.T) {
	t.Parallel()
	if defaultTokenLifetime() != time.Hour {
		t.Fatal(defaultTokenLifetime())
	}
}

// TestUnconfirmedTenantClaim names the doubt: only third-party code reads
// the tenant id from a tenantId claim.
func TestUnconfirmedTenantClaim(t *testing.T) {
	t.Parallel()
	if tenantClaim() != "tenantId" {
		t.Fatal(tenantClaim())
	}
	id := makeJWT(t, jwt.MapClaims{"tenantId": "t-1"})
	other := makeJWT(t, jwt.MapClaims{"tenant": "acme"})
	if got, ok := tenantFromTokens(other, id); !ok || got != "t-1" {
		t.Fatalf("%q %v", got, ok)
	}
	if _, ok := tenantFromTokens("opaque", makeJWT(t, jwt.MapClaims{"tenantId": "a/b"})); ok {
		t.Fatal("read a tenant id that is not one")
	}
}

// TestUnconfirmedDomains names the doubt: CXone publishes no list of its
// domains; three are accepted, and a look-alike is not.
func TestUnconfirmedDomains(t *testing.T) {
	t.Parallel()
	if !slices.Equal(cxoneDomains(), []string{"niceincontact.com", "nice-incontact.com", "incontact.com"}) {
		t.Fatal(cxoneDomains())
	}
	for raw, ok := range map[string]bool{
		"https://api-na1.niceincontact.com":        true,
		"https://api-c6.incontact.com":             true,
		"https://na1.nice-incontact.com:443":       true,
		"https://api-na1.niceincontact.com.evil.x": false,
		"https://xniceincontact.com":               false,
		"https://api_na1.niceincontact.com":        false,
	} {
		u, _ := url.Parse(raw)
		if err := checkCXoneURL(u); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

// TestUnconfirmedAreaPattern names the doubt: no grammar of area names is
// published.
func TestUnconfirmedAreaPattern(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"na1", "na2", "au1", "eu1", "uk1", "ca1", "jp1"} {
		if !areaPattern().MatchString(a) {
			t.Errorf("%s refused", a)
		}
	}
	for _, a := range []string{"", "NA1", "na", "na1.evil", "na-1", "n1"} {
		if areaPattern().MatchString(a) {
			t.Errorf("%s accepted", a)
		}
	}
}

// TestUnconfirmedRateLimitHeaders names the doubt: CXone publishes no
// rate-limit headers; none is read.
func TestUnconfirmedRateLimitHeaders(t *testing.T) {
	t.Parallel()
	h := rateLimitHeaders()
	if len(h.Limit)+len(h.Remaining)+len(h.Reset) != 0 {
		t.Fatalf("%+v", h)
	}
}

// TestUnconfirmedRequestIDHeader names the doubt: CorrelationId is the
// generated client's, not a documented contract.
func TestUnconfirmedRequestIDHeader(t *testing.T) {
	t.Parallel()
	if h := requestIDHeaders(); len(h) != 1 || h[0] != "CorrelationId" {
		t.Fatal(h)
	}
}

// TestUnconfirmedEnvelopeKeys names the doubt: the envelopes of single
// objects are not shown publicly; singular, plural, then whole.
func TestUnconfirmedEnvelopeKeys(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"agent":{"agentId":7}}`, `{"agents":[{"agentId":7}]}`, `{"agentId":7}`} {
		var a Agent
		if err := decodeOne([]byte(body), &a, envelopeKeys("agent")...); err != nil || a.AgentID != 7 {
			t.Errorf("%s: %+v %v", body, a, err)
		}
	}
	if k := envelopeKeys("team unavailable codes"); !slices.Equal(k, []string{"unavailableCodes", "teams"}) {
		t.Fatal(k)
	}
	var a Agent
	if err := decodeOne([]byte(`{"agents":[]}`), &a, envelopeKeys("agent")...); err == nil {
		t.Fatal("an empty list decoded")
	}
}

// TestUnconfirmedContactListKeys names the doubt: completedContacts is
// confirmed, "contacts" (the generated client) and "activeContacts" are
// not.
func TestUnconfirmedContactListKeys(t *testing.T) {
	t.Parallel()
	if k := contactListKeys("completed"); !slices.Equal(k, []string{"completedContacts", "contacts"}) {
		t.Fatal(k)
	}
	if k := contactListKeys("active"); !slices.Equal(k, []string{"activeContacts", "contacts"}) {
		t.Fatal(k)
	}
	items, err := decodeItems[Contact]([]byte(`{"totalRecords":1,"contacts":[{"contactId":3}]}`), contactListKeys("completed"), 1)
	if err != nil || len(items) != 1 || items[0].ContactID != 3 {
		t.Fatalf("%+v %v", items, err)
	}
}

// TestUnconfirmedContactEnvelope names the doubt: GET /contacts/{id} is
// read under "contactId" (the generated spec), else as a list or whole.
func TestUnconfirmedContactEnvelope(t *testing.T) {
	t.Parallel()
	for _, body := range []string{fixture(t, "contact.json"), `{"contacts":[{"contactId":560001}]}`, `{"contactId":560001,"agentId":1}`} {
		c, err := decodeContact([]byte(body))
		if err != nil || c.ContactID != 560001 {
			t.Errorf("%s: %+v %v", body, c, err)
		}
	}
	if _, err := decodeContact([]byte(`{"businessUnitId":1}`)); err == nil {
		t.Error("a contact without id decoded")
	}
}

// TestUnconfirmedContactEnd names the doubt: End Time is start plus total
// duration, an inference.
func TestUnconfirmedContactEnd(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	c := &Contact{ContactStartDate: Time{start}, TotalDurationSeconds: 90.5}
	if got := c.End(); !got.Equal(start.Add(90500 * time.Millisecond)) {
		t.Fatal(got)
	}
	if !(&Contact{}).End().IsZero() {
		t.Fatal("end without start")
	}
}

// TestUnconfirmedTagsBody names the doubt: the body of POST
// /contacts/{id}/tags is not public.
func TestUnconfirmedTagsBody(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(tagsBody([]int64{8}))
	if string(b) != `{"tags":[{"tagId":8}]}` {
		t.Fatal(string(b))
	}
}

// TestUnconfirmedStateHistoryFields names the doubt: no public source
// lists the entries' fields; Raw keeps them whole.
func TestUnconfirmedStateHistoryFields(t *testing.T) {
	t.Parallel()
	var s ContactState
	raw := `{"contactId":1,"stateName":"Active","somethingElse":true}`
	if err := json.Unmarshal([]byte(raw), &s); err != nil || s.StateName != "Active" || string(s.Raw) != raw {
		t.Fatalf("%+v %v", s, err)
	}
}

// TestUnconfirmedMediaPlaybackHost names the doubt: media playback is
// sent to the API endpoint's host, an inference from the SDK.
func TestUnconfirmedMediaPlaybackHost(t *testing.T) {
	t.Parallel()
	r := mediaPlaybackRequest(url.Values{"acd-call-id": {"1"}})
	if r.Path != "/media-playback/v1/contacts" || r.Method != "" {
		t.Fatalf("%+v", r)
	}
}

// TestUnconfirmedSessionParams names the doubt: session parameters are
// sent as a JSON body.
func TestUnconfirmedSessionParams(t *testing.T) {
	t.Parallel()
	r := sessionRequest("/p", map[string]int64{"asAgentId": 1})
	if r.Method != "POST" || r.Query != nil || r.Body == nil {
		t.Fatalf("%+v", r)
	}
}
