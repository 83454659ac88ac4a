package dydu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file holds every behaviour of the client that rests on a guess:
// what Dydu does not document publicly. Each guess is one function, tested
// in unconfirmed_test.go by a test that names the doubt, so that a
// correction is one edit. Sources: Dydu's open-source chatbox,
// https://github.com/Do-you-dream-up/CV5 (src/tools/dydu.js, axios.ts,
// cipher.js, LivechatPayload.js, constants.js, hooks/useDyduPolling.js),
// and Dydu's documentation, https://docs-en.dydu.ai/developers/api-reference/.

// defaultSpace is the consultation space sent when neither the call nor
// [WithSpace] names one.
//
// UNCONFIRMED: the chatbox's constants.js has DEFAULT_CONSULTATION_SPACE
// "Defaut" (sic, French without accent), while its welcomeCall sends
// "default" when no space is set and its setSpace lower-cases "Default".
// Which one a bot without spaces expects is not documented; "Defaut" is
// sent.
func defaultSpace() string { return "Defaut" }

// requestIDHeaders names the response headers read for the request id.
//
// UNCONFIRMED: Dydu documents no request id header; X-Request-Id, the
// common one, is read when present.
func requestIDHeaders() []string { return []string{"X-Request-Id"} }

// undecodableString is what a string of "values" that is not base64 of
// UTF-8 text becomes.
//
// UNCONFIRMED: the chatbox decodes every string of values with
// js-base64's lenient decoder, which never fails; its own test fixture
// (src/test/fixtures/responses/TalkResponsePayload.js) leaves "text" as
// plain "Bonjour !". Whether a server ever sends a plain string is not
// documented. Such a string is kept as it came, rather than turned into
// garbage or failing the whole answer.
func undecodableString(s string) string { return s }

// errorFields reads what an error body says.
//
// UNCONFIRMED: Dydu documents no error body. Read, in order: the dialog
// API's envelope, {"type", "values": {…}} with base64 strings (its
// "type" as Type, values' "code" as the code and "text", "message" or
// "error" as the message); else a plain object's "code"/"status" and
// "message"/"error"/"description".
func errorFields(body []byte) errorText {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errorText{}
	}
	if env, err := DecodeEnvelope(body); err == nil && env.Values != nil {
		v := env.Values
		return errorText{typ: env.Type, code: v.String("code"), message: firstText(v, "text", "message", "error")}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return errorText{}
	}
	v := Values(m)
	return errorText{typ: v.String("type"), code: firstText(v, "code", "status"), message: firstText(v, "message", "error", "description")}
}

// firstText returns the first of keys that v holds as text.
func firstText(v Values, keys ...string) string {
	for _, k := range keys {
		switch v[k].(type) {
		case string, json.Number:
		default:
			continue
		}
		if v.String(k) != "" {
			return v.String(k)
		}
	}
	return ""
}

// inputLength counts the characters of a user input the way the bot's
// 600-character limit counts them.
//
// UNCONFIRMED: the documentation says "only the first 600 characters are
// used" without saying what a character is. Dydu's servers are Java
// servlets, whose strings count UTF-16 code units: an emoji outside the
// Basic Multilingual Plane counts two. Counting UTF-16 units refuses
// everything a Java substring(0, 600) would cut (and, for such emoji, a
// little more).
func inputLength(s string) int {
	n := 0
	for _, r := range s {
		if utf16.RuneLen(r) == 2 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// readingMode is the "mode" a reading receipt sends, base64-encoded.
//
// UNCONFIRMED: the chatbox sends mode with chat/reading, base64-encoded,
// and names "Synchron" as the mode of an HTTP dialog; which value the
// server expects in a reading receipt is not documented.
func readingMode() string { return "Synchron" }

// waitingDurationUnit is the unit of a waiting queue's
// estimatedWaitingDuration.
//
// UNCONFIRMED: the chatbox's websocket tunnel shows it as seconds; the
// HTTP dialog API does not say.
func waitingDurationUnit() time.Duration { return time.Second }

// operatorOf reads who sent a livechat message.
//
// UNCONFIRMED: the chatbox tells an operator message by its "fromDetail"
// but never reads it, so its shape is unknown: it is kept as text in
// Detail. Name, LastName, Mail and ExternalID are read from
// operatorName, operatorLastName, operatorMail and operatorExternalId, the
// fields of a transcript's interactions (and operatorExternalId of the
// websocket's notifications), should a poll answer carry them.
func operatorOf(v Values) Operator {
	detail := v.String("fromDetail")
	if obj := v.Object("fromDetail"); obj != nil {
		b, _ := json.Marshal(obj)
		detail = string(b)
	}
	return Operator{
		Detail:     detail,
		Name:       v.String("operatorName"),
		LastName:   v.String("operatorLastName"),
		Mail:       v.String("operatorMail"),
		ExternalID: v.String("operatorExternalId"),
	}
}

// whoamiHost reads the server's host name from the answer of GET whoami/.
//
// UNCONFIRMED: the chatbox reads it as the "host" of the first element of
// the answer's "headers" array that has one; the answer is not otherwise
// documented.
func whoamiHost(body []byte) (string, error) {
	var raw struct {
		Headers []map[string]any `json:"headers"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return "", fmt.Errorf("the answer is not the expected JSON: %w", err)
	}
	for _, h := range raw.Headers {
		if host, ok := h["host"].(string); ok && host != "" {
			return host, nil
		}
	}
	return "", errors.New(`the answer names no host (no "headers" element with a "host")`)
}

// competenciesPath is the admin web service that lists a bot's livechat
// competencies.
//
// UNCONFIRMED: Dydu's API access page lists a "Competencies" group of web
// services but their paths are only in each BMS's swagger, which is not
// public. GET competencies/{botUUID} below /servlet/api is a guess.
func competenciesPath(botID string) string { return rest.Pathf("/competencies/%s", botID) }

// decodeCompetencies reads the answer of competenciesPath.
//
// UNCONFIRMED: the shape is a guess: a JSON array of {id, name}, or the
// dialog API's envelope whose values hold it as "competencies" (strings
// base64-encoded); ids may be numbers or strings.
func decodeCompetencies(body []byte) ([]Competency, error) {
	body = bytes.TrimSpace(body)
	var items []any
	switch {
	case len(body) > 0 && body[0] == '[':
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&items); err != nil {
			return nil, fmt.Errorf("the answer is not valid JSON: %w", err)
		}
	default:
		env, err := DecodeEnvelope(body)
		if err != nil {
			return nil, err
		}
		if env.Values == nil || env.Values.List("competencies") == nil {
			return nil, errNoCompetencies
		}
		items = env.Values.List("competencies")
	}
	out := make([]Competency, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		v := Values(m)
		if name := v.String("name"); name != "" {
			out = append(out, Competency{ID: v.String("id"), Name: name})
		}
	}
	return out, nil
}
