package flow

import (
	"testing"
	"time"
)

// fieldTypeFixed is UNCONFIRMED: Zendesk's references describe no way to
// change a custom field's type, but do not say that PUT refuses it.
func TestFieldTypeFixedUnconfirmed(t *testing.T) {
	t.Parallel()
	if !fieldTypeFixed() {
		t.Error("the Ensure helpers now send type changes: check that Zendesk accepts them")
	}
}

// Zendesk is reported (not documented) to retry a 503 only when its
// Retry-After is under a minute: MaxRetryAfter must stay under it.
func TestZendeskRetriesAfterUnconfirmed(t *testing.T) {
	t.Parallel()
	if !zendeskRetriesAfter(MaxRetryAfter) {
		t.Errorf("MaxRetryAfter %v is one Zendesk is reported not to retry", MaxRetryAfter)
	}
	if zendeskRetriesAfter(time.Minute) {
		t.Error("Zendesk is now taken to retry a 503 asking for a minute: check the webhook retries section")
	}
}
