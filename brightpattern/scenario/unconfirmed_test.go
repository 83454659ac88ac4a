package scenario

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk"
)

// Each test names one guess of unconfirmed.go and pins what it does now.

// Doubt: the default of the Search block's Max results is not documented.
func TestUnconfirmedDefaultMaxResults(t *testing.T) {
	if DefaultMaxResults != 20 {
		t.Fatal(DefaultMaxResults)
	}
}

// Doubt: the caller's number's variable name is not in the pages read.
func TestUnconfirmedANIVariable(t *testing.T) {
	if aniVariable() != "item.ANI" || VarANI != "item.ANI" {
		t.Fatal(aniVariable())
	}
}

// Doubt: Bright Pattern may put values into a Raw JSON body unescaped.
func TestUnconfirmedEscapeJSONValues(t *testing.T) {
	got, _ := SubstituteJSON(`{"a":"$(v)"}`, map[string]string{"v": `"`})
	if !escapeJSONValues() || got != `{"a":"\""}` {
		t.Fatal(got)
	}
}

// Doubt: Zendesk documents no escape inside a search phrase; deskbridge
// removes the double quote and the backslash.
func TestUnconfirmedSearchPhraseDrops(t *testing.T) {
	if !searchPhraseDrops('"') || !searchPhraseDrops('\\') || searchPhraseDrops('\'') || searchPhraseDrops('*') {
		t.Fatal("the characters removed inside a phrase changed")
	}
}

// Doubt: which characters start no search condition inside a word (the
// reference lists operators, not a grammar).
func TestUnconfirmedIsSearchWord(t *testing.T) {
	for v, want := range map[string]bool{"+14155550100": true, "ann@example.com": true, "a_b-c.d": true, "": true,
		"-x": false, "a:b": false, "a b": false, "a*": false, "a<b": false, `a"`: false, "a\u00a0b": false} {
		if isSearchWord(v) != want {
			t.Errorf("isSearchWord(%q) = %v", v, !want)
		}
	}
}

// Doubt: which columns a recordset's record has (and that Search calls
// the Search API at all).
func TestUnconfirmedRecordColumns(t *testing.T) {
	row, err := rowOf(json.RawMessage(`{"id":7,"result_type":"user","name":"Ann","tags":["a"],"photo":null,"user_fields":{"k":"v"}}`))
	if err != nil || row["id"] != "7" || row["name"] != "Ann" || row["tags.__count__"] != "1" || row["tags[0]"] != "a" ||
		row["photo"] != "" || row["user_fields.k"] != "v" {
		t.Fatal(row, err)
	}
}

// Doubt: how Bright Pattern maps its agent to the Zendesk user it pops to.
func TestUnconfirmedAgentMatches(t *testing.T) {
	for _, c := range []struct {
		u    *zendesk.User
		want bool
	}{
		{&zendesk.User{Email: "Ann@Example.com", Role: zendesk.RoleAgent}, true},
		{&zendesk.User{Email: "ann@example.com", Role: zendesk.RoleAdmin}, true},
		{&zendesk.User{Email: "ann@example.com", Role: zendesk.RoleEndUser}, false},
		{&zendesk.User{Email: "bob@example.com", Role: zendesk.RoleAgent}, false},
		{nil, false},
	} {
		if agentMatches(c.u, "ann@example.com") != c.want {
			t.Errorf("%+v", c.u)
		}
	}
}

// Doubt: how the Screen Pop block creates "a new ticket per call".
func TestUnconfirmedCallTicketVia(t *testing.T) {
	if callTicketVia() != zendesk.ViaAPIPhoneCallInbound {
		t.Fatal(callTicketVia())
	}
}

// Doubt: what Attached Data writes into the "activity history".
func TestUnconfirmedAttachment(t *testing.T) {
	in := attachment([]zendesk.CustomField{{ID: 1, Value: json.RawMessage(`"x"`)}}, "note", true)
	b, _ := json.Marshal(in)
	if string(b) != `{"comment":{"body":"note","public":false},"custom_fields":[{"id":1,"value":"x"}]}` {
		t.Fatal(string(b))
	}
	if attachment(nil, "note", false).Comment != nil {
		t.Fatal("note written with NoNote")
	}
}

// Doubt: the Create/Update Object blocks' endpoints.
func TestUnconfirmedObjectPath(t *testing.T) {
	if objectPath(ObjectUser, "") != "users.json" || objectPath(ObjectTicket, "12") != "tickets/12.json" {
		t.Fatal(objectPath(ObjectTicket, "12"))
	}
}

// Doubt: that an empty 200 is what a Fetch URL block takes as No Data.
func TestUnconfirmedNoDataAnswer(t *testing.T) {
	rec := httptest.NewRecorder()
	writeNoData(rec)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get(HeaderExit) != "No Data" {
		t.Fatal(rec.Code, rec.Body.String())
	}
}

// Doubt: which statuses take a Fetch URL block's Failed exit.
func TestUnconfirmedFailedStatus(t *testing.T) {
	if failedStatus(true) != 422 || failedStatus(false) != 503 || retryAfter() != "5" {
		t.Fatal(failedStatus(true), failedStatus(false))
	}
}
