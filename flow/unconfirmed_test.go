package flow

import "testing"

// fieldTypeFixed is UNCONFIRMED: Zendesk's references describe no way to
// change a custom field's type, but do not say that PUT refuses it.
func TestFieldTypeFixedUnconfirmed(t *testing.T) {
	t.Parallel()
	if !fieldTypeFixed() {
		t.Error("the Ensure helpers now send type changes: check that Zendesk accepts them")
	}
}
