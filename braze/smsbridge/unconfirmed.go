package smsbridge

import (
	"strings"

	"github.com/deskbridge/deskbridge/zendesk"
)

// This file holds every wire detail the bridge relies on that the vendor
// notes mark UNCONFIRMED or do not state, one function each, so that a
// correction is one edit. The package documentation lists them.

// userFieldQuery is the Zendesk user search that finds users by a custom
// user field: "<field key>:<value>", the value quoted when it holds
// spaces or quotes.
//
// UNCONFIRMED: that /api/v2/users/search matches custom user fields by key
// (vendor notes 6.7 give the query syntax only by examples). A miss is
// harmless: the bridge then calls Users.CreateOrUpdate, which matches the
// customer's user by external_id.
func userFieldQuery(field, value string) string {
	if strings.ContainsAny(value, " \t\"") {
		value = `"` + strings.ReplaceAll(value, `"`, "") + `"`
	}
	return field + ":" + value
}

// publicCommentCondition is "Ticket > Comment is Public", the recipe's
// "comment is present and the requester can see it".
//
// UNCONFIRMED: the value "true" is what public trigger code sends (vendor
// notes 6.8); Zendesk also has "requester_can_see_comment".
func publicCommentCondition() zendesk.Condition {
	return zendesk.Cond("comment_is_public", "is", "true")
}

// solvedCondition is "Ticket > Status changed to Solved".
//
// UNCONFIRMED: the operator "value" (changed to) is Zendesk's name in the
// trigger definitions as public code uses it; the notes only show
// "changed" and "is".
func solvedCondition() zendesk.Condition {
	return zendesk.Cond("status", "value", "solved")
}

// requesterFieldPresent is "Requester: <field> is present", so that the
// triggers only fire for customers known to Braze.
//
// UNCONFIRMED: the condition field "requester.custom_fields.<key>" and the
// operator "present" (GET /api/v2/triggers/definitions lists the real
// names).
func requesterFieldPresent(field string) zendesk.Condition {
	return zendesk.Cond("requester.custom_fields."+field, "present")
}
