package cxone

import (
	"encoding/json"
	"testing"
	"time"
)

// v33.0 and v23.0 completed contacts decode to the same fields.
func TestContactVersions(t *testing.T) {
	t.Parallel()
	var v33, v23 struct {
		CompletedContacts []Contact `json:"completedContacts"`
	}
	if err := json.Unmarshal([]byte(fixture(t, "completed_contacts_v33.json")), &v33); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fixture(t, "completed_contacts_v23.json")), &v23); err != nil {
		t.Fatal(err)
	}
	a, b := v33.CompletedContacts[0], v23.CompletedContacts[0]
	for name, pair := range map[string][2]any{
		"fromAddress":      {a.FromAddress, b.FromAddress},
		"toAddress":        {a.ToAddress, b.ToAddress},
		"contactStartDate": {a.ContactStartDate.Time, b.ContactStartDate.Time},
		"mediaTypeId":      {a.MediaTypeID, b.MediaTypeID},
		"tagName":          {a.Tags[0].TagName, b.Tags[0].TagName},
		"tagId":            {a.Tags[0].TagID, b.Tags[0].TagID},
		"tag contactId":    {a.Tags[0].ContactID, b.Tags[0].ContactID},
		"end":              {a.End(), b.End()},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s: v33 %v, v23 %v", name, pair[0], pair[1])
		}
	}
	if b.ConferenceSeconds != 15 || a.FromAddress != "+33612345678" || a.MediaTypeID != 4 {
		t.Errorf("%+v", b)
	}
	if want := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Add(-5*time.Minute + 285*time.Second); !a.End().Equal(want) {
		t.Errorf("end %s, want %s", a.End(), want)
	}
	if a.Direction() != "inbound" || len(a.TagNames()) != 1 || a.TagNames()[0] != "refund" {
		t.Errorf("%s %v", a.Direction(), a.TagNames())
	}
	if !a.IsWarehoused || a.DateACWWarehoused.IsZero() {
		t.Errorf("warehouse fields %+v", a)
	}
}

// Time reads the forms CXone writes and writes RFC 3339 UTC; Bool reads
// string booleans.
func TestTimeAndBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		`"2026-11-21T10:00:00Z"`:        time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		`"2026-11-21T10:00:00.5+01:00"`: time.Date(2026, 11, 21, 9, 0, 0, 5e8, time.UTC),
		`"2026-11-21T10:00:00.123"`:     time.Date(2026, 11, 21, 10, 0, 0, 123e6, time.UTC),
		`"2026-11-21"`:                  time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
		`null`:                          {},
		`""`:                            {},
	} {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil || !tm.Equal(want) {
			t.Errorf("%s: %v %v", in, tm, err)
		}
	}
	for _, bad := range []string{`"yesterday"`, `12`, `{}`} {
		var tm Time
		if err := json.Unmarshal([]byte(bad), &tm); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	b, _ := json.Marshal(struct{ T Time }{Time{time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))}})
	if string(b) != `{"T":"2026-01-02T02:04:05Z"}` {
		t.Errorf("%s", b)
	}
	for in, want := range map[string]Bool{`"True"`: true, `"False"`: false, `true`: true, `0`: false, `"1"`: true, `null`: false, `""`: false} {
		var v Bool
		if err := json.Unmarshal([]byte(in), &v); err != nil || v != want {
			t.Errorf("%s: %v %v", in, v, err)
		}
	}
	var v Bool
	if err := json.Unmarshal([]byte(`"maybe"`), &v); err == nil {
		t.Error("maybe accepted")
	}
}

// A CallContactEvent reads numbers where strings are expected, and says
// when the contact has ended.
func TestCallContactEvent(t *testing.T) {
	t.Parallel()
	var ev Event
	raw := `{"Type":"CallContactEvent","ContactID":560001,"MasterID":"560001","Status":"Disconnected","FinalState":"True","IsInbound":true,"CustomData":{"a":1}}`
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatal(err)
	}
	cc, err := ev.CallContact()
	if err != nil {
		t.Fatal(err)
	}
	if cc.ContactID != "560001" || !cc.Ended() || !bool(cc.IsInbound) || string(cc.CustomData) != `{"a":1}` {
		t.Fatalf("%+v", cc)
	}
	out, _ := json.Marshal(ev)
	if string(out) != raw {
		t.Fatalf("%s", out)
	}
}
