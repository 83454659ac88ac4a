package dydu

import (
	"context"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// PollInterval is how often Dydu's chatbox polls a livechat for news
// (useDyduPolling.js in https://github.com/Do-you-dream-up/CV5).
const PollInterval = 2500 * time.Millisecond

// Values of "typeResponse", "specialAction" and "code" that mark livechat
// events (ATRIA_TYPE_RESPONSE, RESPONSE_SPECIAL_ACTION and
// LIVECHAT_NOTIFICATION in src/tools/constants.js of
// https://github.com/Do-you-dream-up/CV5).
const (
	TypeLivechatConnectionSucceed      = "DMLiveChatConnectionSucceed"
	TypeLivechatConnectionInQueue      = "DMLiveChatConnectionInQueue"
	TypeLivechatLeaveQueue             = "DMLiveChatLeaveQueue"
	TypeAutoCloseDialog                = "NAAutoCloseDialog"
	TypeAutoCloseDialogBecauseUserLeft = "NAAutoCloseDialogBecauseUserLeft"
	TypeLivechatEndByOperator          = "OPLiveChatEndByOperator"
	TypeSendSurveySentence             = "OPSendSurveySentence"

	ActionStartPolling      = "StartPolling"
	ActionEndPolling        = "EndPolling"
	ActionStartWaitingQueue = "StartWaitingQueue"
	ActionLeaveWaitingQueue = "LeaveWaitingQueue"

	CodeOperatorAnswer                 = "OPRegularOperatorAnswer"
	CodeOperatorWriting                = "OperatorWritingStatus"
	CodeOperatorBusy                   = "OperatorBusy"
	CodeOperatorConnected              = "OperatorConnected"
	CodeOperatorDisconnected           = "OperatorDisconnected"
	CodeInvalidRequest                 = "ERRInvalidRequest"
	CodeWaitingForOperator             = "NAWaitingForOperator"
	CodeAlmostTimedOut                 = "AlmostTimedOut"
	CodeDialogTransferredManually      = "DialogTransferredManually"
	CodeDialogTransferredAutomatically = "DialogTransferredAutomatically"
	CodeDialogAddedOperatorPanel       = "DialogAddedOperatorPanel"
	CodeUploadRequest                  = "UploadRequest"
	CodeOperatorSendSurvey             = "OperatorSendSurvey"
)

// SignalKind is what an answer or a poll says of a livechat.
type SignalKind string

// The livechat signals, as Dydu's chatbox tells them apart
// (LivechatPayload.js and useDyduPolling.js in
// https://github.com/Do-you-dream-up/CV5).
const (
	// SignalNone: nothing of a livechat (a bot answer, an empty poll).
	SignalNone SignalKind = ""
	// SignalStarted: the bot escalated and an operator took the dialog:
	// specialAction StartPolling, or typeResponse
	// DMLiveChatConnectionSucceed. Poll from now on, and talk with
	// TalkRequest.Livechat.
	SignalStarted SignalKind = "started"
	// SignalQueued: the user waits for an operator (specialAction
	// StartWaitingQueue, or typeResponse DMLiveChatConnectionInQueue);
	// QueuePosition and EstimatedWait say how long.
	SignalQueued SignalKind = "queued"
	// SignalQueueLeft: the user left the waiting queue (LeaveWaitingQueue,
	// DMLiveChatLeaveQueue).
	SignalQueueLeft SignalKind = "queue-left"
	// SignalMessage: a message of the operator (a poll answer with text
	// and fromDetail).
	SignalMessage SignalKind = "message"
	// SignalTyping: the operator is typing (code OperatorWritingStatus).
	SignalTyping SignalKind = "typing"
	// SignalNotification: any other notification code (OperatorBusy,
	// AlmostTimedOut, DialogTransferredManually…): Code says which.
	SignalNotification SignalKind = "notification"
	// SignalEnded: the livechat is over and the bot takes the dialog back:
	// typeResponse NAAutoCloseDialog, NAAutoCloseDialogBecauseUserLeft or
	// OPLiveChatEndByOperator, or specialAction EndPolling.
	SignalEnded SignalKind = "ended"
)

// Signal is what one answer or poll says of a livechat.
type Signal struct {
	Kind SignalKind
	// Text is the operator's message, or the notification's text.
	Text string
	// Code is the notification code ("code"), if any.
	Code          string
	TypeResponse  string
	SpecialAction string
	// Operator is who sent a message, as far as the answer says.
	Operator Operator
	// QueuePosition and EstimatedWait describe the waiting queue
	// (SignalQueued); zero when the server did not say.
	QueuePosition int
	EstimatedWait time.Duration
}

// Operator is a livechat operator, as a poll answer or a transcript names
// them.
type Operator struct {
	// Detail is the answer's "fromDetail", as sent.
	Detail     string
	Name       string
	LastName   string
	Mail       string
	ExternalID string
}

// Classify reads what decoded values say of a livechat, in the chatbox's
// order: the end first (an ending answer may carry a goodbye text), then
// the waiting queue, the start, an operator message, the operator typing
// and any other notification.
func Classify(v Values) Signal {
	s := Signal{
		Text:          v.String("text"),
		Code:          v.String("code"),
		TypeResponse:  v.String("typeResponse"),
		SpecialAction: v.String("specialAction"),
	}
	switch {
	case s.TypeResponse == TypeAutoCloseDialog || s.TypeResponse == TypeAutoCloseDialogBecauseUserLeft ||
		s.TypeResponse == TypeLivechatEndByOperator || s.SpecialAction == ActionEndPolling:
		s.Kind = SignalEnded
	case s.SpecialAction == ActionStartWaitingQueue || s.TypeResponse == TypeLivechatConnectionInQueue:
		s.Kind = SignalQueued
		if n, ok := v.Int("queuePosition"); ok {
			s.QueuePosition = int(n)
		}
		if n, ok := v.Int("estimatedWaitingDuration"); ok && n > 0 {
			s.EstimatedWait = time.Duration(n) * waitingDurationUnit()
		}
	case s.SpecialAction == ActionLeaveWaitingQueue || s.TypeResponse == TypeLivechatLeaveQueue:
		s.Kind = SignalQueueLeft
	case s.SpecialAction == ActionStartPolling || s.TypeResponse == TypeLivechatConnectionSucceed:
		s.Kind = SignalStarted
	case v.Has("text") && v.Has("fromDetail"):
		s.Kind = SignalMessage
	case s.Code == CodeOperatorWriting:
		s.Kind = SignalTyping
	case s.Code != "":
		s.Kind = SignalNotification
	}
	if s.Kind != SignalNone {
		s.Operator = operatorOf(v)
	}
	return s
}

// PollRequest asks a livechat for news.
type PollRequest struct {
	// ContextID is the dialog context. Required.
	ContextID string
	// LastPoll is where to resume: the previous PollResult.LastPoll, or,
	// for the first poll, the Answer.ServerTime of the talk that opened
	// the livechat (as text). Empty asks for everything.
	LastPoll string
	// Language and Space default to the client's.
	Language string
	Space    string
}

// PollResult is one poll's news.
type PollResult struct {
	// Signal says what happened: a message, a notification, the end…
	Signal Signal
	// LastPoll is what the next poll sends: the answer's
	// pollUpdatedInteractionDate, else the request's LastPoll. Unlike the
	// chatbox, an answer without pollUpdatedInteractionDate does not
	// move it to the answer's serverTime: a message stamped in the same
	// millisecond, after the answer, would be skipped.
	LastPoll string
	// ServerTime is the server's clock when it answered.
	ServerTime Millis
	// Values is the whole decoded answer.
	Values Values
}

// Poll asks a livechat for news: POST chat/poll/last/{bot} with
// solutionUsed=LIVECHAT and format=JSon, as the chatbox does every
// [PollInterval] while an operator has the dialog. Safe to send again to
// another server.
func (c *Client) Poll(ctx context.Context, r *PollRequest) (*PollResult, error) {
	if r == nil {
		return nil, invalid("Poll", "", "no request")
	}
	if err := checkContextID("Poll", r.ContextID); err != nil {
		return nil, err
	}
	f := form{}
	f.set("solutionUsed", string(Livechat))
	f.set("format", "JSon")
	f.set("space", c.spaceOr(r.Space))
	f.set("contextUuid", r.ContextID)
	f.set("language", c.lang(r.Language))
	f.set("lastPoll", r.LastPoll)
	v, err := c.values(ctx, &call{op: "Poll", req: post(rest.Pathf("/chat/poll/last/%s", c.botID), f), safe: true})
	if err != nil {
		return nil, err
	}
	res := &PollResult{Signal: Classify(v), ServerTime: v.millis("serverTime"), Values: v, LastPoll: r.LastPoll}
	if d := v.String("pollUpdatedInteractionDate"); d != "" {
		res.LastPoll = d
	}
	return res, nil
}
