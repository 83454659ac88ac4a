package conversations

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"

	"github.com/golang-jwt/jwt/v5"
)

// This file holds every Sunshine Conversations behaviour this package
// relies on that no public reference read while writing it states
// (UNCONFIRMED). Each sits behind one function (or constant), tested in
// unconfirmed_test.go with a test that names the doubt, so that a
// correction is one edit. The reference is Zendesk's OpenAPI spec
// (https://github.com/zendesk/sunshine-conversations-api-spec) and
// https://developer.zendesk.com/api-reference/conversations/.

// requestIDHeaders are the response headers read for the id of a request.
//
// UNCONFIRMED: the API reference names no request-id header. X-Request-Id
// is the common name; X-Zendesk-Request-Id is what Zendesk's other APIs
// are seen to send.
func requestIDHeaders() []string {
	return []string{"X-Request-Id", "X-Zendesk-Request-Id"}
}

// integrationJWTScope is the "scope" claim of a JWT signed with an
// integration key (int_…).
//
// UNCONFIRMED: the API reference shows only "app" and "account" JWTs; that
// an integration key's JWT claims "integration" (the scope such a key has
// with Basic authentication) is an inference. Prefer [WithKey] with an
// integration key.
func integrationJWTScope() string { return "integration" }

// jwtClaims are the claims of the JWT [WithJWT] signs: the scope alone.
//
// UNCONFIRMED: whether the API checks "exp" or "iat". The reference
// requires only "scope"; the token is signed once and carries no expiry,
// as the community clients do. If the API starts refusing old tokens,
// add "iat"/"exp" here and sign per request.
func jwtClaims(scope string) jwt.MapClaims { return jwt.MapClaims{"scope": scope} }

// textLength counts a string as the API counts the characters of its
// limits (text 4,096, altText 128, externalId 1,024…): in UTF-16 code
// units, so that a character outside the Basic Multilingual Plane (an
// emoji) counts twice.
//
// UNCONFIRMED: the unit. The API is a JavaScript service whose string
// length is in UTF-16 code units; counting so is the stricter reading (a
// text refused here could at worst have been accepted). We are wrong if
// the API accepts 4,096 emoji.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// metadataSize is the size of a metadata object as the 4 KB limit counts
// it: its JSON encoding, in bytes.
//
// UNCONFIRMED: how the API measures the 4 KB (JSON bytes, or the sum of
// keys and values). JSON bytes is the larger count, so a metadata object
// let through here is within the limit either way.
func metadataSize(m Metadata) (int, error) {
	b, err := json.Marshal(m)
	return len(b), err
}

// maxJSONBody is the largest JSON request body, in bytes: "100kb".
//
// UNCONFIRMED: whether "kb" is 1,000 or 1,024 bytes; 1,024 (what Node's
// body parser, which the limit's spelling comes from, means) is assumed.
const maxJSONBody = 100 << 10

// maxUploadBytes is the largest file upload, in bytes: "50mb".
//
// UNCONFIRMED: as for maxJSONBody, whether "mb" is 10^6 or 2^20 bytes;
// 2^20 is assumed. The limit applies to the file, not to the multipart
// body around it.
const maxUploadBytes = 50 << 20

// The keys of passControl metadata that Zendesk's agent workspace reads
// when it creates the ticket, besides first_message_id (documented,
// https://support.zendesk.com/hc/en-us/articles/4419179022874).
//
// UNCONFIRMED, each of them: Zendesk's article listing the keys was not
// read; these are the keys public integrations that hand conversations to
// the agent workspace send (Botpress' Zendesk messaging HITL integration
// among them).

// requesterNameKey sets the ticket requester's name.
func requesterNameKey() string { return "dataCapture.systemField.requester.name" }

// requesterEmailKey sets the ticket requester's email.
func requesterEmailKey() string { return "dataCapture.systemField.requester.email" }

// tagsKey sets the ticket's tags, comma-separated.
func tagsKey() string { return "dataCapture.systemField.tags" }

// groupIDKey sets the ticket's group. Some public code writes "groupId":
// the key is the least certain of the lot.
func groupIDKey() string { return "dataCapture.systemField.group_id" }

// priorityKey sets the ticket's priority.
func priorityKey() string { return "dataCapture.systemField.priority" }

// organizationIDKey sets the ticket's organization.
func organizationIDKey() string { return "dataCapture.systemField.organization_id" }

// brandIDKey sets the ticket's brand.
func brandIDKey() string { return "dataCapture.systemField.brand_id" }

// assigneeIDKey sets the ticket's assignee.
func assigneeIDKey() string { return "dataCapture.systemField.assignee_id" }

// ticketFieldKey sets the custom ticket field with this id.
func ticketFieldKey(fieldID int64) string {
	return "dataCapture.ticketField." + strconv.FormatInt(fieldID, 10)
}
