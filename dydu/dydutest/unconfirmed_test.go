package dydutest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// Each test pins one behaviour of unconfirmed.go and names its doubt.
// When Dydu's real answer is known, change the function and its test.

func TestUnconfirmedResponseTypes(t *testing.T) {
	// Doubt: only "talkResponse" is seen in a public fixture; the others
	// borrow the chatbox's websocket frame names or are made up.
	for ep, want := range map[string]string{"talk": "talkResponse", "welcomecall": "talkResponse",
		"context": "getContextResponse", "history": "historyResponse", "topknowledge": "topKnowledgeResponse",
		"poll": "notification", "search": "searchResponse", "gdpr": "gdprResponse"} {
		if got := responseType(ep); got != want {
			t.Errorf("%s: %q, want %q", ep, got, want)
		}
	}
}

func TestUnconfirmedErrorAnswers(t *testing.T) {
	// Doubt: Dydu documents no error body or status for the dialog API.
	if r := unknownBot("x"); r.status != http.StatusNotFound || r.code != "UnknownBot" {
		t.Errorf("unknown bot %+v", r)
	}
	// Doubt: only talk is documented to renew an unknown context; the
	// others answering 404 UnknownContext is the fake's choice.
	if r := unknownContext("x"); r.status != http.StatusNotFound || r.code != "UnknownContext" {
		t.Errorf("unknown context %+v", r)
	}
}

func TestUnconfirmedTouches(t *testing.T) {
	// Doubt: which requests count as a use that pushes the 10-minute
	// expiry back; documented only as "unused for 10 minutes".
	if touches("availablecontext") || !touches("poll") || !touches("history") || !touches("typing") {
		t.Error("touches changed")
	}
}

func TestUnconfirmedSkillCondition(t *testing.T) {
	// Doubt: the name the BMS gives the context condition of a skill.
	if got := skillCondition("Animal"); got != "Compétence Animal" {
		t.Errorf("%q", got)
	}
}

func TestUnconfirmedEscalationValues(t *testing.T) {
	// Doubt: startLivechat/human set on the escalating answer, and the
	// queue's typeResponse "DMLiveChatConnectionInQueue".
	v := map[string]any{}
	escalationValues(v, false, 0, 0)
	if v["specialAction"] != "StartPolling" || v["typeResponse"] != "DMLiveChatConnectionSucceed" || v["human"] != true || v["startLivechat"] != true {
		t.Errorf("connected %v", v)
	}
	v = map[string]any{}
	escalationValues(v, true, 2, 90*time.Second)
	if v["specialAction"] != "StartWaitingQueue" || v["typeResponse"] != "DMLiveChatConnectionInQueue" ||
		v["queuePosition"] != "2" || v["estimatedWaitingDuration"] != "90" || v["human"] != nil {
		t.Errorf("queued %v", v)
	}
}

func TestUnconfirmedLivechatTalkValues(t *testing.T) {
	// Doubt: what a talk answers while an operator has the dialog.
	v := livechatTalkValues(&dialog{DialogContext: DialogContext{ID: "c"}}, 7)
	if len(v) != 3 || v["human"] != true || v["contextId"] != "c" || v["serverTime"] != int64(7) {
		t.Errorf("%v", v)
	}
}

func TestUnconfirmedOperatorMessageValues(t *testing.T) {
	// Doubt: fromDetail's content, and the operator* keys on a poll
	// answer (they are the history interaction's).
	v := operatorMessageValues(Operator{Name: "Ann"}, "hi")
	if v["fromDetail"] != "Ann" || v["operatorName"] != "Ann" || v["code"] != nil || v["operatorMail"] != nil {
		t.Errorf("%v", v)
	}
	if operatorMessageValues(Operator{}, "hi")["fromDetail"] != "Operator" {
		t.Error("an unnamed operator")
	}
}

func TestUnconfirmedAcceptAndQueueValues(t *testing.T) {
	// Doubt: how the poll tells a queued user an operator took the
	// dialog, and a new queue position.
	if v := acceptValues(Operator{Name: "Ann"}); v["code"] != "OperatorConnected" || v["specialAction"] != "StartPolling" {
		t.Errorf("accept %v", v)
	}
	if v := queueValues(4, time.Minute); v["code"] != "NAWaitingForOperator" || v["queuePosition"] != "4" || v["estimatedWaitingDuration"] != "60" {
		t.Errorf("queue %v", v)
	}
}

func TestUnconfirmedEndValues(t *testing.T) {
	// Doubt: which of typeResponse, specialAction EndPolling and a code
	// come together at each end.
	for r, want := range map[EndReason][2]any{
		EndByOperator: {"OPLiveChatEndByOperator", "OperatorDisconnected"},
		EndAutoClose:  {"NAAutoCloseDialog", nil},
		EndUserLeft:   {"NAAutoCloseDialogBecauseUserLeft", "NAAutoCloseDialogBecauseUserLeft"},
	} {
		v := endValues(r, "")
		if v["typeResponse"] != want[0] || v["code"] != want[1] || v["specialAction"] != "EndPolling" || v["text"] != nil {
			t.Errorf("%d: %v", r, v)
		}
	}
}

func TestUnconfirmedEmptyPoll(t *testing.T) {
	// Doubt: the answer of a poll with nothing new.
	if v := emptyPollValues(5); len(v) != 1 || v["serverTime"] != int64(5) {
		t.Errorf("%v", v)
	}
}

func TestUnconfirmedHistoryInteraction(t *testing.T) {
	// Doubt: what fills the documented keys of a history interaction.
	at := time.UnixMilli(1700000000000)
	v := historyInteraction(Interaction{User: "u", Text: "t", TypeResponse: "DMSocial", Time: at})
	if v["user"] != "u" || v["text"] != "t" || v["type"] != "DMSocial" || v["timestamp"] != int64(1700000000000) || v["from"] != nil {
		t.Errorf("bot turn %v", v)
	}
	v = historyInteraction(Interaction{Text: "t", Operator: &Operator{Name: "Ann", ExternalID: "9"}, Time: at})
	if v["from"] != "operator" || v["operatorName"] != "Ann" || v["operatorExternalId"] != "9" || v["user"] != nil {
		t.Errorf("operator turn %v", v)
	}
}

func TestUnconfirmedTopKnowledgeAndSearchShapes(t *testing.T) {
	// Doubt: the keys of a top-knowledge article and of a search result
	// beyond rootConditionReword and score.
	v := topKnowledgeValues([]topArticle{{ID: 1, Reword: "q"}})
	var arts []map[string]any
	if err := json.Unmarshal([]byte(v["knowledgeArticles"].(string)), &arts); err != nil || arts[0]["id"] != float64(1) || arts[0]["reword"] != "q" {
		t.Errorf("%v %v", v, err)
	}
	if r := searchResult(3, "q", 0.5); r["knowledgeId"] != 3 || r["rootConditionReword"] != "q" || r["score"] != 0.5 {
		t.Errorf("%v", r)
	}
	if len(okValues()) != 0 {
		t.Error("ok values")
	}
}

func TestUnconfirmedCompetencies(t *testing.T) {
	// Doubt: the admin path and answer shape; both are only in each
	// BMS's swagger, which is not public.
	if bot, ok := competenciesRoute("/servlet/api/competencies/b/"); !ok || bot != "b" {
		t.Errorf("route %q %v", bot, ok)
	}
	if _, ok := competenciesRoute("/servlet/api/competencies/b/x"); ok {
		t.Error("a deeper path matched")
	}
	v := competenciesValues([]Skill{{ID: 1, Name: "Animal"}})
	if l := v["competencies"].([]any); l[0].(map[string]any)["id"] != 1 || l[0].(map[string]any)["name"] != "Animal" {
		t.Errorf("%v", v)
	}
}
