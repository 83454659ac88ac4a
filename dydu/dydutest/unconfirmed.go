package dydutest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file holds every behaviour of the fake that the vendor notes mark
// UNCONFIRMED, or that no public source shows: each is one function here
// with the doubt named, and unconfirmed_test.go pins what the fake does
// today. When the real behaviour is known, change it here only.
//
// Sources of what is confirmed: the dialog API page
// (https://docs-en.dydu.ai/developers/api-reference/dialog-api) and
// Dydu's open-source chatbox, https://github.com/Do-you-dream-up/CV5
// (src/tools/dydu.js, src/tools/LivechatPayload.js,
// src/tools/hooks/useDyduPolling.js, types/servlet.d.ts).

// responseType is the envelope's "type" for an endpoint. Confirmed:
// "talkResponse" (CV5's talk fixture). UNCONFIRMED: the others; the
// chatbox reads only "values" from HTTP answers. The fake borrows the
// names of the chatbox's websocket frames (getContextResponse,
// historyResponse, topKnowledgeResponse) and makes up the rest.
func responseType(endpoint string) string {
	switch endpoint {
	case "talk", "welcomecall":
		return "talkResponse"
	case "context":
		return "getContextResponse"
	case "history":
		return "historyResponse"
	case "topknowledge":
		return "topKnowledgeResponse"
	case "poll":
		return "notification"
	}
	return endpoint + "Response"
}

// writeError writes a refusal. UNCONFIRMED: Dydu documents no error
// body for the dialog API. The fake answers status with the envelope
// {"type":"error","values":{"code":…,"text":…}}, base64 like every
// other answer.
func writeError(w http.ResponseWriter, status int, code, text string) {
	writeEnvelope(w, status, "error", map[string]any{"code": code, "text": text})
}

// unknownBot is the answer to a request for another bot's UUID.
// UNCONFIRMED: 404 with code "UnknownBot".
func unknownBot(id string) result {
	return fail(http.StatusNotFound, "UnknownBot", "no bot with UUID "+strconv.Quote(id)+" on this server")
}

// unknownContext is the answer of the endpoints that need a live
// context (history, variable, typing, reading, feedback, poll) when it
// is unknown or expired. Confirmed for talk only: "an invalid id makes
// the server create a new one", which the fake does on talk and on the
// welcome call. UNCONFIRMED for the others: the fake answers 404 with
// code "UnknownContext", so that a client learns the context is gone.
func unknownContext(id string) result {
	return fail(http.StatusNotFound, "UnknownContext",
		"dialog context "+strconv.Quote(id)+" is unknown or was unused for 10 minutes: start a new one")
}

// touches says whether a request to endpoint counts as a use of its
// context, which pushes its 10-minute expiry back. Confirmed: a talk
// does. UNCONFIRMED: every endpoint that names a context counts
// (history, variable, typing, reading, feedback, poll — so a dialog in
// livechat stays alive while the chatbox polls), except
// availablecontext, which only asks.
func touches(endpoint string) bool { return endpoint != "availablecontext" }

// skillCondition names the context condition the BMS creates with a
// skill. Confirmed: one is created. UNCONFIRMED: its name; the fake
// uses "Compétence <name>".
func skillCondition(name string) string { return "Compétence " + name }

// escalationValues are the values of the talk answer that escalates.
// Confirmed (CV5 LivechatPayload.is.startLivechat): specialAction
// "StartPolling" or typeResponse "DMLiveChatConnectionSucceed" starts
// the livechat; "StartWaitingQueue" carries queuePosition and
// estimatedWaitingDuration (seconds), base64 strings. UNCONFIRMED: that
// the same answer sets startLivechat and human to true, and the
// typeResponse "DMLiveChatConnectionInQueue" beside StartWaitingQueue.
func escalationValues(v map[string]any, queued bool, pos int, wait time.Duration) {
	v["startLivechat"] = true
	if queued {
		v["typeResponse"] = "DMLiveChatConnectionInQueue"
		v["specialAction"] = "StartWaitingQueue"
		v["queuePosition"] = strconv.Itoa(pos)
		v["estimatedWaitingDuration"] = strconv.Itoa(int(wait / time.Second))
		return
	}
	v["typeResponse"] = "DMLiveChatConnectionSucceed"
	v["specialAction"] = "StartPolling"
	v["human"] = true
}

// livechatTalkValues are the values of the answer to a talk while an
// operator (or the queue) has the dialog. UNCONFIRMED: the chatbox
// ignores this answer (operator messages come through the poll); the
// fake answers contextId, serverTime and human: true, without text.
func livechatTalkValues(d *dialog, serverTime int64) map[string]any {
	return map[string]any{"contextId": d.ID, "serverTime": serverTime, "human": true}
}

// operatorMessageValues are a poll answer carrying an operator's
// message. Confirmed (CV5 useDyduPolling): a response with text and
// fromDetail is an operator message, and one with code is a
// notification (checked first). UNCONFIRMED: fromDetail's content (the
// fake: the operator's display name) and the operatorName,
// operatorLastName, operatorMail and operatorExternalId keys, taken from
// the history interaction's (types/servlet.d.ts).
func operatorMessageValues(op Operator, text string) map[string]any {
	v := map[string]any{"text": text, "fromDetail": op.displayName()}
	setIf(v, "operatorName", op.Name)
	setIf(v, "operatorLastName", op.LastName)
	setIf(v, "operatorMail", op.Mail)
	setIf(v, "operatorExternalId", op.ExternalID)
	return v
}

// acceptValues is the poll answer when an operator takes a queued
// dialog. UNCONFIRMED: code "OperatorConnected" (a documented
// notification code) with typeResponse "DMLiveChatConnectionSucceed"
// and specialAction "StartPolling".
func acceptValues(op Operator) map[string]any {
	v := map[string]any{"code": "OperatorConnected", "typeResponse": "DMLiveChatConnectionSucceed",
		"specialAction": "StartPolling", "fromDetail": op.displayName()}
	setIf(v, "operatorName", op.Name)
	return v
}

// queueValues is the poll answer for a new place in the queue.
// UNCONFIRMED: code "NAWaitingForOperator" (a documented notification
// code) with queuePosition and estimatedWaitingDuration (seconds) as in
// the StartWaitingQueue answer.
func queueValues(pos int, wait time.Duration) map[string]any {
	return map[string]any{"code": "NAWaitingForOperator", "queuePosition": strconv.Itoa(pos),
		"estimatedWaitingDuration": strconv.Itoa(int(wait / time.Second))}
}

// endValues is the poll answer that ends the livechat. Confirmed: the
// livechat ends on typeResponse NAAutoCloseDialog,
// NAAutoCloseDialogBecauseUserLeft or OPLiveChatEndByOperator, or on
// specialAction EndPolling. UNCONFIRMED: which come together, and the
// code. CV5's poller handles only a response with code (or typeResponse
// NAAutoCloseDialog) as a notification, so the fake gives the operator's
// end the code "OperatorDisconnected", and every end specialAction
// "EndPolling".
func endValues(reason EndReason, text string) map[string]any {
	v := map[string]any{"specialAction": "EndPolling"}
	switch reason {
	case EndAutoClose:
		v["typeResponse"] = "NAAutoCloseDialog"
	case EndUserLeft:
		v["typeResponse"] = "NAAutoCloseDialogBecauseUserLeft"
		v["code"] = "NAAutoCloseDialogBecauseUserLeft"
	default:
		v["typeResponse"] = "OPLiveChatEndByOperator"
		v["code"] = "OperatorDisconnected"
	}
	setIf(v, "text", text)
	return v
}

// emptyPollValues is the poll answer when nothing is new. UNCONFIRMED:
// the fake answers serverTime alone; CV5 keeps its lastPoll when the
// answer has no pollUpdatedInteractionDate, which fits.
func emptyPollValues(serverTime int64) map[string]any {
	return map[string]any{"serverTime": serverTime}
}

// historyInteraction is one item of history's interactions. Confirmed:
// the keys (types/servlet.d.ts ChatHistoryInteraction). UNCONFIRMED:
// what fills them; the fake sets user (the input), text (the answer or
// the operator's message), type (the typeResponse), timestamp (ms),
// from ("operator" on an operator's message) and the operator* keys.
func historyInteraction(in Interaction) map[string]any {
	v := map[string]any{"timestamp": nowMS(in.Time)}
	setIf(v, "user", in.User)
	setIf(v, "text", in.Text)
	setIf(v, "type", in.TypeResponse)
	if op := in.Operator; op != nil {
		v["from"] = "operator"
		setIf(v, "operatorName", op.Name)
		setIf(v, "operatorLastName", op.LastName)
		setIf(v, "operatorMail", op.Mail)
		setIf(v, "operatorExternalId", op.ExternalID)
	}
	return v
}

// topKnowledgeValues are top knowledge's values. Confirmed (CV5
// useTopKnowledge): values.knowledgeArticles is a JSON text of a list.
// UNCONFIRMED: the items' keys; the fake writes {"id", "reword"}.
func topKnowledgeValues(articles []topArticle) map[string]any {
	b, _ := json.Marshal(articles)
	return map[string]any{"knowledgeArticles": string(b)}
}

type topArticle struct {
	ID     int    `json:"id"`
	Reword string `json:"reword"`
}

// searchResult is one item of search's values, which is a list.
// Confirmed (CV5 suggest): values is a list whose items have
// rootConditionReword, and a score others sort on. UNCONFIRMED:
// knowledgeId; the score's scale (the fake: 0–1).
func searchResult(id int, reword string, score float64) map[string]any {
	return map[string]any{"rootConditionReword": reword, "score": score, "knowledgeId": id}
}

// okValues is the answer of the endpoints that only record (variable,
// typing, reading, feedback, gdpr). UNCONFIRMED: the fake answers
// {"type":"<endpoint>Response","values":{}}.
func okValues() map[string]any { return map[string]any{} }

func setIf(v map[string]any, k, s string) {
	if s != "" {
		v[k] = s
	}
}

// competenciesRoute reads the admin web service that lists the bot's
// skills: GET /servlet/api/competencies/{botUUID}, Basic authentication
// (https://docs-en.dydu.ai/developers/api-reference/authentication).
// UNCONFIRMED: Dydu's API access page lists a "Competencies" group of
// web services, but their paths are only in each BMS's swagger, which is
// not public. The path is a guess, the same as the deskbridge client's.
func competenciesRoute(path string) (bot string, ok bool) {
	rest, ok := strings.CutPrefix(path, apiPrefix+"competencies/")
	rest = strings.TrimSuffix(rest, "/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}

// competenciesValues is the answer's values. UNCONFIRMED: the fake
// answers the dialog API's envelope with values {"competencies": [{"id",
// "name"}]}, strings base64, ids numbers.
func competenciesValues(skills []Skill) map[string]any {
	list := make([]any, len(skills))
	for i, sk := range skills {
		list[i] = map[string]any{"id": sk.ID, "name": sk.Name}
	}
	return map[string]any{"competencies": list}
}
