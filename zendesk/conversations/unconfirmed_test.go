package conversations

import (
	"reflect"
	"testing"
)

// Each test here names one guess of unconfirmed.go: what the Sunshine
// Conversations reference does not state, so that a change of the guess is
// a change of a test.

// TestUnconfirmedRequestIDHeaders names the doubt: the reference names no
// request-id header.
func TestUnconfirmedRequestIDHeaders(t *testing.T) {
	t.Parallel()
	if got := requestIDHeaders(); !reflect.DeepEqual(got, []string{"X-Request-Id", "X-Zendesk-Request-Id"}) {
		t.Fatal(got)
	}
}

// TestUnconfirmedIntegrationJWTScope names the doubt: the reference shows
// JWTs with "app" and "account" scopes only.
func TestUnconfirmedIntegrationJWTScope(t *testing.T) {
	t.Parallel()
	if integrationJWTScope() != "integration" || JWTScope(KeyIntegration) != "integration" {
		t.Fatal(integrationJWTScope())
	}
}

// TestUnconfirmedJWTClaims names the doubt: whether exp or iat are checked;
// the token carries the scope alone.
func TestUnconfirmedJWTClaims(t *testing.T) {
	t.Parallel()
	if c := jwtClaims("app"); len(c) != 1 || c["scope"] != "app" {
		t.Fatal(c)
	}
}

// TestUnconfirmedTextLength names the doubt: the unit of the character
// limits; UTF-16 code units are counted.
func TestUnconfirmedTextLength(t *testing.T) {
	t.Parallel()
	for s, n := range map[string]int{"": 0, "abc": 3, "é": 1, "日本": 2, "😀": 2, "a😀b": 4} {
		if got := textLength(s); got != n {
			t.Errorf("textLength(%q) = %d, want %d", s, got, n)
		}
	}
}

// TestUnconfirmedMetadataSize names the doubt: how the 4 KB is measured;
// the JSON encoding's bytes are counted.
func TestUnconfirmedMetadataSize(t *testing.T) {
	t.Parallel()
	if n, err := metadataSize(Metadata{"a": "b", "n": 1}); err != nil || n != len(`{"a":"b","n":1}`) {
		t.Fatal(n, err)
	}
}

// TestUnconfirmedSizeUnits names the doubt: "100kb" and "50mb" read as
// powers of two.
func TestUnconfirmedSizeUnits(t *testing.T) {
	t.Parallel()
	if maxJSONBody != 102400 || MaxBodyBytes != 102400 || maxUploadBytes != 52428800 || MaxAttachmentBytes != 52428800 {
		t.Fatal(maxJSONBody, maxUploadBytes)
	}
}

// TestUnconfirmedAgentWorkspaceKeys names the doubt: the passControl
// metadata keys other than first_message_id come from public
// integrations, not from Zendesk's reference.
func TestUnconfirmedAgentWorkspaceKeys(t *testing.T) {
	t.Parallel()
	md := Metadata{}
	md.SetRequesterName("Jeanne")
	md.SetRequesterEmail("jeanne@example.org")
	md.SetTags("a", "b")
	md.SetGroupID(1)
	md.SetPriority("high")
	md.SetOrganizationID(2)
	md.SetBrandID(3)
	md.SetAssigneeID(4)
	md.SetTicketField(5, true)
	want := Metadata{
		"dataCapture.systemField.requester.name":  "Jeanne",
		"dataCapture.systemField.requester.email": "jeanne@example.org",
		"dataCapture.systemField.tags":            "a,b",
		"dataCapture.systemField.group_id":        "1",
		"dataCapture.systemField.priority":        "high",
		"dataCapture.systemField.organization_id": "2",
		"dataCapture.systemField.brand_id":        "3",
		"dataCapture.systemField.assignee_id":     "4",
		"dataCapture.ticketField.5":               true,
	}
	if !reflect.DeepEqual(md, want) {
		t.Fatalf("%v", md)
	}
}
