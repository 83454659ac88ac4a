package flow

// This file holds the Zendesk behaviour the Ensure helpers rely on that no
// Zendesk reference read while writing them states (UNCONFIRMED), each
// behind one function tested in unconfirmed_test.go, so that a correction
// is one edit.

// fieldTypeFixed reports whether a custom field's type is fixed once it is
// created, so that a field of the wanted title (or key) with another type
// is left alone and reported as ActionManual rather than updated.
//
// UNCONFIRMED: neither the ticket fields nor the user fields reference
// (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/,
// https://developer.zendesk.com/api-reference/ticketing/users/user_fields/)
// describes a way to change a field's type, and Admin Center offers none;
// what PUT answers when asked is not stated (zendesktest refuses it).
func fieldTypeFixed() bool { return true }
