package cxone

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// agreeSeeds are the documented answers, the fuzz corpus's finds and the
// edge cases of the single-pass decoding: keys given twice or in another
// case, null members, escapes, nulls in the list, trailing data.
func agreeSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{}
	for _, name := range []string{"contact.json", "completed_contacts_v23.json", "completed_contacts_v33.json", "agents.json"} {
		seeds = append(seeds, []byte(fixture(f, name)))
	}
	for _, s := range []string{
		`{"contactId":{"contactStart":"2026","mediaType":"x"}}`,
		`{"completedContacts":[{"contactId":1,"fromAddr":"a","mediaType":"4"}]}`,
		`{"totalRecords":3,"completedContacts":null,"contacts":[{"contactId":2}]}`,
		`{"completedContacts":[{"contactId":1}],"completedContacts":null,"contacts":[{"contactId":2}]}`,
		`{"completedContacts":[{"contactId":1}],"COMPLETEDCONTACTS":[{"contactId":2}]}`,
		`{"completedContacts":[{"contactId":1}],"\u0063ompletedContacts":[{"contactId":2}]}`,
		`{"completedContacts":[null,{"contactId":"x"}]}`,
		`{"completedContacts":[null,{"contactId":3}],"_links":{"next":"n"}} x`,
		`{"completedContacts":[],"totalRecords":"2"}`,
		`{"completedContacts":[{"contactId":1,"tags":[{"Contact_Id":9,"TagId":1}]}],"lastPollTime":"2026-01-02"}`,
		`{"activeContacts":[{"contactId":1,"contactStartDate":null,"contactStart":"2026-01-02T03:04:05"}],"agents":[{"agentId":5}]}`,
		`{"agents":[{"agentId":5}],"totalRecords":1}`,
		`{"contacts":[{"contactId":7}], "completedContacts" : "x"}`,
		`null`, `[]`, `{}`, `{"a":"\"}","completedContacts":[{"contactId":1}]}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// sameError fails t unless both errors are nil or both say the same (the
// reference's type oldContact named as Contact).
func sameError(t *testing.T, what string, oldErr, newErr error) {
	t.Helper()
	if (oldErr == nil) != (newErr == nil) || (oldErr != nil && strings.ReplaceAll(oldErr.Error(), "cxone.oldContact", "cxone.Contact") != newErr.Error()) {
		t.Fatalf("%s: old error %v, new %v", what, oldErr, newErr)
	}
}

// FuzzDecodeContactAgrees: decodeContact and Contact's UnmarshalJSON
// return, for any body, what they returned before the single-pass
// decoding (olddecode_test.go): the same error or the same contact.
func FuzzDecodeContactAgrees(f *testing.F) {
	for _, s := range agreeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		oldC, oldErr := oldDecodeContact(body)
		newC, newErr := decodeContact(body)
		sameError(t, "decodeContact", oldErr, newErr)
		if !reflect.DeepEqual(oldC, newC) {
			t.Fatalf("decodeContact: old %+v, new %+v", oldC, newC)
		}
		var oc oldContact
		var nc Contact
		sameError(t, "UnmarshalJSON", oc.UnmarshalJSON(body), nc.UnmarshalJSON(body))
		if !reflect.DeepEqual(Contact(oc), nc) {
			t.Fatalf("UnmarshalJSON: old %+v, new %+v", oc, nc)
		}
		var ocs []oldContact
		var ncs []Contact
		sameError(t, "json.Unmarshal", json.Unmarshal(body, &ocs), json.Unmarshal(body, &ncs))
		if len(ocs) != len(ncs) {
			t.Fatalf("json.Unmarshal: %d contacts, then %d", len(ocs), len(ncs))
		}
		for i := range ocs {
			if !reflect.DeepEqual(Contact(ocs[i]), ncs[i]) {
				t.Fatalf("json.Unmarshal: old %+v, new %+v", ocs[i], ncs[i])
			}
		}
	})
}

// FuzzDecodePageAgrees: a page of completed or active contacts, and of
// agents (the page reader's general path), reads, for any body, as it did
// before (olddecode_test.go): the same error or the same page and meta.
func FuzzDecodePageAgrees(f *testing.F) {
	for _, s := range agreeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// The body, and the body as the list of a page (so that its
		// contacts are read on the single-pass path when they decode).
		wrapped := append(append([]byte(`{"totalRecords":1,"completedContacts":[`), body...), "]}"...)
		pageAgrees(t, body)
		pageAgrees(t, wrapped)
	})
}

// pageAgrees fails t unless the page readers, old and new, read body alike.
func pageAgrees(t *testing.T, body []byte) {
	t.Helper()
	for _, which := range []string{"completed", "active"} {
		l := &list{path: "/p", keys: contactListKeys(which)}
		var oldMeta, newMeta listMeta
		oldP, oldErr := oldContactPage(l, &oldMeta, "", body)
		newP, newErr := reader[Contact](l, &newMeta)("", body)
		sameError(t, which, oldErr, newErr)
		if !reflect.DeepEqual(oldP, newP) || !reflect.DeepEqual(oldMeta, newMeta) {
			t.Fatalf("%s: old %+v %+v, new %+v %+v", which, oldP, oldMeta, newP, newMeta)
		}
	}
	l := &list{path: "/p", keys: []string{"agents"}}
	var oldMeta, newMeta listMeta
	oldP, oldErr := oldReader[Agent](l, &oldMeta)("", body)
	newP, newErr := reader[Agent](l, &newMeta)("", body)
	sameError(t, "agents", oldErr, newErr)
	if !reflect.DeepEqual(oldP, newP) || !reflect.DeepEqual(oldMeta, newMeta) {
		t.Fatalf("agents: old %+v %+v, new %+v %+v", oldP, oldMeta, newP, newMeta)
	}
}

// TestDecodePageFastPath: the documented pages are read on the single-pass
// path (which FuzzDecodePageAgrees holds to the general one).
func TestDecodePageFastPath(t *testing.T) {
	for _, name := range []string{"completed_contacts_v33.json", "completed_contacts_v23.json"} {
		var m listMeta
		items, ok := decodePageFast[Contact]([]byte(fixture(t, name)), contactListKeys("completed"), &m)
		if !ok || len(items) == 0 || items[0].ContactID == 0 || m.TotalRecords != len(items) {
			t.Errorf("%s: ok %v, %d items, meta %+v", name, ok, len(items), m)
		}
	}
}
