package dydu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// Solution is the "solutionUsed" parameter of a dialog call: whom the
// user talks to.
type Solution string

// The solutions of the chatbox's SOLUTION_TYPE (src/tools/constants.js in
// https://github.com/Do-you-dream-up/CV5).
const (
	// Assistant: the bot.
	Assistant Solution = "ASSISTANT"
	// Livechat: a human operator, after the bot escalated.
	Livechat Solution = "LIVECHAT"
)

// MaxInputLength is the most characters of a user input the bot reads:
// "only the first 600 characters are used"
// (https://docs-en.dydu.ai/developers/api-reference/dialog-api). A longer
// input is refused before sending ([ErrOverLimit]), never cut.
const MaxInputLength = 600

// Millis is a Dydu server time: milliseconds since the Unix epoch.
type Millis int64

// Time returns m as a time; the zero time for 0.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

func (v Values) millis(key string) Millis {
	n, _ := v.Int(key)
	return Millis(n)
}

// ContextRequest asks for a new dialog context: the conversation of one
// user with the bot.
type ContextRequest struct {
	// ClientID identifies the user's device across visits (the chatbox
	// keeps one per browser); optional.
	ClientID string
	// Language and Space default to the client's ([WithLanguage],
	// [WithSpace]).
	Language string
	Space    string
	// AlreadyCame says the user has talked to the bot before.
	AlreadyCame bool
	// QualificationMode marks the dialog as a test (the BMS leaves it out
	// of the statistics).
	QualificationMode bool
}

// NewContext opens a dialog context and returns its id: POST
// chat/context/{bot}, as the chatbox's getContextId does. Safe to send
// again to another server: an extra context is never used.
func (c *Client) NewContext(ctx context.Context, r *ContextRequest) (string, error) {
	if r == nil {
		r = &ContextRequest{}
	}
	f := form{}
	f.bool("alreadyCame", r.AlreadyCame)
	f.set("clientId", r.ClientID)
	f.set("language", c.lang(r.Language))
	f.set("space", c.spaceOr(r.Space))
	f.set("solutionUsed", string(Assistant))
	f.bool("qualificationMode", r.QualificationMode)
	v, err := c.values(ctx, &call{op: "NewContext", req: post(rest.Pathf("/chat/context/%s", c.botID), f), safe: true})
	if err != nil {
		return "", err
	}
	id := v.String("contextId")
	if id == "" {
		return "", fmt.Errorf("dydu: NewContext: the answer has no contextId")
	}
	return id, nil
}

// TalkRequest is one user input to the bot (or, during a livechat, to the
// operator).
type TalkRequest struct {
	// ContextID is the dialog context; empty starts a new one (the answer
	// carries its id).
	ContextID string
	// Input is what the user typed: at most [MaxInputLength] characters.
	Input string
	// Livechat sends the input to the operator of the livechat the bot
	// opened (solutionUsed=LIVECHAT), as the chatbox does while polling.
	Livechat bool
	// ClientID, Language and Space as in [ContextRequest].
	ClientID string
	Language string
	Space    string
	// AlreadyCame and QualificationMode as in [ContextRequest].
	AlreadyCame       bool
	QualificationMode bool
	// DoNotRegisterInteraction keeps the exchange out of the dialog's
	// record.
	DoNotRegisterInteraction bool
	// Browser, OS and UserURL describe the user's page; optional.
	Browser string
	OS      string
	UserURL string
	// ExtraParameters are sent as one JSON object ("extraParameters").
	ExtraParameters map[string]string
	// Variables are the client-side context variables, sent as one JSON
	// object ("variables", "{}" when none, as the chatbox sends).
	Variables map[string]string
	// Mode is the dialog mode ("mode", sent base64-encoded as the chatbox
	// does); optional.
	Mode string
}

// Answer is the bot's answer to a talk or a welcome call: the decoded
// values of a talkResponse. Values holds every field, those named here
// too (types/servlet.d.ts, ChatResponseValues, in
// https://github.com/Do-you-dream-up/CV5).
type Answer struct {
	// ContextID is the context the answer belongs to.
	ContextID string
	// ContextRenewed is true when the talk named a context that Dydu no
	// longer had (unused for [ContextIdleLimit]) and the server answered
	// in a new one: ContextID is the new context, PreviousContextID the
	// one that was sent. Tell the user that the conversation starts over,
	// and keep the new id.
	ContextRenewed    bool
	PreviousContextID string

	Text         string // the answer, HTML
	TypeResponse string // DMSocial, DMUnderstoodQuestion, GBMisunderstoodQuestion, DMLiveChatConnectionSucceed…
	// SpecialAction drives the chatbox: StartPolling, EndPolling,
	// StartWaitingQueue, LeaveWaitingQueue.
	SpecialAction string
	Language      string
	KnowledgeID   int64
	ActionID      int64
	ServerTime    Millis
	BotID         string
	StartLivechat bool
	Human         bool
	AskFeedback   bool
	GUIAction     string // "guiAction"
	GUICSName     string // "guiCSName": the space the answer moves the user to
	URLRedirect   string
	TemplateName  string
	TemplateData  string // JSON, as the server sent it
	Survey        string
	HideRequest   bool

	// Values is the whole decoded values object.
	Values Values
}

// Livechat returns what the answer says of a livechat: started, queued…
// ([Classify]).
func (a *Answer) Livechat() Signal { return Classify(a.Values) }

// answerFrom reads an Answer from decoded values.
func answerFrom(v Values) *Answer {
	a := &Answer{
		ContextID:     v.String("contextId"),
		Text:          v.String("text"),
		TypeResponse:  v.String("typeResponse"),
		SpecialAction: v.String("specialAction"),
		Language:      v.String("language"),
		ServerTime:    v.millis("serverTime"),
		BotID:         v.String("botId"),
		StartLivechat: v.Bool("startLivechat"),
		Human:         v.Bool("human"),
		AskFeedback:   v.Bool("askFeedback"),
		GUIAction:     v.String("guiAction"),
		GUICSName:     v.String("guiCSName"),
		URLRedirect:   v.String("urlRedirect"),
		TemplateName:  v.String("templateName"),
		TemplateData:  v.String("templateData"),
		Survey:        v.String("survey"),
		HideRequest:   v.Bool("hideRequest"),
		Values:        v,
	}
	a.KnowledgeID, _ = v.Int("knowledgeId")
	a.ActionID, _ = v.Int("actionId")
	return a
}

// checkInput refuses an empty input or one over the bot's limit.
func checkInput(op, field, s string) error {
	if strings.TrimSpace(s) == "" {
		return invalid(op, field, "the input is empty")
	}
	if n := inputLength(s); n > MaxInputLength {
		return &ValidationError{Op: op, Field: field, Limit: MaxInputLength,
			Reason: fmt.Sprintf("%d characters, over Dydu's limit of %d (the bot would read only the first %d)", n, MaxInputLength, MaxInputLength)}
	}
	return nil
}

// checkContextID refuses a missing context id.
func checkContextID(op, id string) error {
	if strings.TrimSpace(id) == "" {
		return invalid(op, "contextId", "the context id is empty (NewContext returns one)")
	}
	return nil
}

// jsonObject encodes m as one JSON object, "{}" for none.
func jsonObject(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always encodes
	return string(b)
}

// Talk sends one user input and returns the bot's answer: POST
// chat/talk/{bot}/{context}, the chatbox's talk. An input over
// [MaxInputLength] characters is refused before sending. A talk is never
// sent to a second server once one may have received it: it could be
// answered twice (see "Several servers" in the package doc).
//
// When the context had expired, the answer comes in a new one and says so
// (Answer.ContextRenewed). When the answer opens a livechat,
// Answer.Livechat() says [SignalStarted] (or [SignalQueued]).
func (c *Client) Talk(ctx context.Context, r *TalkRequest) (*Answer, error) {
	if r == nil {
		return nil, invalid("Talk", "", "no request")
	}
	if err := checkInput("Talk", "userInput", r.Input); err != nil {
		return nil, err
	}
	f := form{}
	f.bool("alreadyCame", r.AlreadyCame)
	f.set("browser", r.Browser)
	f.set("clientId", r.ClientID)
	if r.DoNotRegisterInteraction {
		f.bool("doNotRegisterInteraction", true)
	}
	f.set("language", c.lang(r.Language))
	f.set("os", r.OS)
	f.bool("qualificationMode", r.QualificationMode)
	f.set("space", c.spaceOr(r.Space))
	f["userInput"] = []string{r.Input}
	f.set("userUrl", r.UserURL)
	solution := Assistant
	if r.Livechat {
		solution = Livechat
	}
	f.set("solutionUsed", string(solution))
	if len(r.ExtraParameters) > 0 {
		f.set("extraParameters", jsonObject(r.ExtraParameters))
	}
	f.set("variables", jsonObject(r.Variables))
	if r.Mode != "" {
		f.set("mode", encodeString(r.Mode))
	}
	path := rest.Pathf("/chat/talk/%s", c.botID)
	if r.ContextID != "" {
		path = rest.Pathf("/chat/talk/%s/%s", c.botID, r.ContextID)
	}
	v, err := c.values(ctx, &call{op: "Talk", req: post(path, f), timeout: TalkTimeout})
	if err != nil {
		return nil, err
	}
	a := answerFrom(v)
	if r.ContextID != "" && a.ContextID != "" && a.ContextID != r.ContextID {
		a.ContextRenewed, a.PreviousContextID = true, r.ContextID
	}
	return a, nil
}

// WelcomeRequest registers a user's visit.
type WelcomeRequest struct {
	// ContextID is the dialog context. Required.
	ContextID string
	// Language and Space default to the client's.
	Language string
	Space    string
	// QualificationMode as in [ContextRequest].
	QualificationMode bool
	// Variables as in [TalkRequest].
	Variables map[string]string
}

// WelcomeCall registers the user's visit and returns the bot's welcome
// answer, if the bot has one: POST chat/welcomecall/{bot}, the chatbox's
// welcomeCall. Not sent to a second server once one may have received it
// (it would count the visit twice).
func (c *Client) WelcomeCall(ctx context.Context, r *WelcomeRequest) (*Answer, error) {
	if r == nil {
		return nil, invalid("WelcomeCall", "", "no request")
	}
	if err := checkContextID("WelcomeCall", r.ContextID); err != nil {
		return nil, err
	}
	f := form{}
	f.set("contextUuid", r.ContextID)
	f.set("language", c.lang(r.Language))
	f.bool("qualificationMode", r.QualificationMode)
	f.set("solutionUsed", string(Assistant))
	f.set("space", c.spaceOr(r.Space))
	f.set("variables", jsonObject(r.Variables))
	v, err := c.values(ctx, &call{op: "WelcomeCall", req: post(rest.Pathf("/chat/welcomecall/%s", c.botID), f)})
	if err != nil {
		return nil, err
	}
	return answerFrom(v), nil
}

// History is a dialog's transcript: the decoded values of chat/history.
type History struct {
	ContextID string
	BotID     string // "botUUID"
	// ServerTime is the server's clock when it answered.
	ServerTime Millis
	// PollUpdatedInteractionDate is where a livechat poll resumes
	// ([PollRequest].LastPoll).
	PollUpdatedInteractionDate string
	LivechatEnabled            bool
	Interactions               []Interaction
	// Values is the whole decoded values object.
	Values Values
}

// Interaction is one exchange of a transcript: the user's input and the
// answer (the bot's, or an operator's during a livechat).
type Interaction struct {
	From               string
	User               string // what the user typed
	Text               string // the answer
	Type               string
	Date               string
	Timestamp          Millis
	RedirectURL        string
	OperatorName       string
	OperatorLastName   string
	OperatorMail       string
	OperatorExternalID string
	TemplateName       string
	TemplateData       string
	FeedBack           string
	HideRequest        bool
	// PollUpdatedInteractionDate as in [History].
	PollUpdatedInteractionDate string
	// Values is the whole decoded interaction.
	Values Values
}

// History returns the transcript of a dialog: POST chat/history/{bot},
// the chatbox's history. Safe to send again to another server.
func (c *Client) History(ctx context.Context, contextID string) (*History, error) {
	if err := checkContextID("History", contextID); err != nil {
		return nil, err
	}
	f := form{}
	f.set("contextUuid", contextID)
	f.set("solutionUsed", string(Assistant))
	v, err := c.values(ctx, &call{op: "History", req: post(rest.Pathf("/chat/history/%s", c.botID), f), safe: true})
	if err != nil {
		return nil, err
	}
	h := &History{
		ContextID:                  v.String("contextId"),
		BotID:                      v.String("botUUID"),
		ServerTime:                 v.millis("serverTime"),
		PollUpdatedInteractionDate: v.String("pollUpdatedInteractionDate"),
		LivechatEnabled:            v.Bool("livechatEnabled"),
		Values:                     v,
	}
	for _, it := range v.List("interactions") {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		iv := Values(m)
		h.Interactions = append(h.Interactions, Interaction{
			From:                       iv.String("from"),
			User:                       iv.String("user"),
			Text:                       iv.String("text"),
			Type:                       iv.String("type"),
			Date:                       iv.String("date"),
			Timestamp:                  iv.millis("timestamp"),
			RedirectURL:                iv.String("redirectUrl"),
			OperatorName:               iv.String("operatorName"),
			OperatorLastName:           iv.String("operatorLastName"),
			OperatorMail:               iv.String("operatorMail"),
			OperatorExternalID:         iv.String("operatorExternalId"),
			TemplateName:               iv.String("templateName"),
			TemplateData:               iv.String("templateData"),
			FeedBack:                   iv.String("feedBack"),
			HideRequest:                iv.Bool("hideRequest"),
			PollUpdatedInteractionDate: iv.String("pollUpdatedInteractionDate"),
			Values:                     iv,
		})
	}
	return h, nil
}

// CheckContext says whether Dydu still has a dialog context: nil when it
// does, an error matching [ErrContextExpired] when it was archived (unused
// for [ContextIdleLimit]). POST chat/availablecontext/{bot}/{context},
// whose answer is isContextStillAvailable. Safe to send again to another
// server.
func (c *Client) CheckContext(ctx context.Context, contextID string) error {
	if err := checkContextID("CheckContext", contextID); err != nil {
		return err
	}
	v, err := c.values(ctx, &call{op: "CheckContext", req: post(rest.Pathf("/chat/availablecontext/%s/%s", c.botID, contextID), form{}), safe: true})
	if err != nil {
		return err
	}
	if !v.Has("isContextStillAvailable") {
		return fmt.Errorf("dydu: CheckContext: the answer has no isContextStillAvailable")
	}
	if !v.Bool("isContextStillAvailable") {
		return &contextExpiredError{contextID: contextID}
	}
	return nil
}

// Status returns what the server says of a dialog: GET
// chat/status/{bot}/{context}, as the chatbox calls it. Its fields are not
// documented; they come decoded in Values.
func (c *Client) Status(ctx context.Context, contextID string) (Values, error) {
	if err := checkContextID("Status", contextID); err != nil {
		return nil, err
	}
	return c.values(ctx, &call{op: "Status", req: &rest.Request{Path: rest.Pathf("/chat/status/%s/%s", c.botID, contextID)}, safe: true})
}

// SetVariable sets a server-side dialog variable, which knowledge
// conditions and answers read: POST chat/variable/{bot}, the chatbox's
// setDialogVariable. Safe to send again to another server (it sets a
// value).
func (c *Client) SetVariable(ctx context.Context, contextID, name, value string) error {
	if err := checkContextID("SetVariable", contextID); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return invalid("SetVariable", "name", "the variable name is empty")
	}
	f := form{}
	f.set("contextUuid", contextID)
	f["name"] = []string{name}
	f.set("solutionUsed", string(Assistant))
	f["value"] = []string{value}
	_, err := c.do(ctx, &call{op: "SetVariable", req: post(rest.Pathf("/chat/variable/%s", c.botID), f), safe: true})
	return err
}

// Feedback is the user's verdict on the last answer.
type Feedback string

// The verdicts the chatbox sends ("feedBack").
const (
	FeedbackPositive      Feedback = "positive"
	FeedbackNegative      Feedback = "negative"
	FeedbackWithoutAnswer Feedback = "withoutAnswer"
)

// SendFeedback records the user's verdict on the last answer: POST
// chat/feedback/{bot}. Not sent to a second server once one may have
// received it.
func (c *Client) SendFeedback(ctx context.Context, contextID string, fb Feedback) error {
	if err := checkContextID("SendFeedback", contextID); err != nil {
		return err
	}
	switch fb {
	case FeedbackPositive, FeedbackNegative, FeedbackWithoutAnswer:
	default:
		return invalid("SendFeedback", "feedBack", "%q is not positive, negative or withoutAnswer", fb)
	}
	f := form{}
	f.set("contextUUID", contextID)
	f.set("feedBack", string(fb))
	f.set("solutionUsed", string(Assistant))
	_, err := c.do(ctx, &call{op: "SendFeedback", req: post(rest.Pathf("/chat/feedback/%s", c.botID), f)})
	return err
}

// SendFeedbackComment records the user's comment on a negative verdict:
// POST chat/feedback/comment/{bot}.
func (c *Client) SendFeedbackComment(ctx context.Context, contextID, comment string) error {
	if err := checkContextID("SendFeedbackComment", contextID); err != nil {
		return err
	}
	if strings.TrimSpace(comment) == "" {
		return invalid("SendFeedbackComment", "comment", "the comment is empty")
	}
	f := form{}
	f["comment"] = []string{comment}
	f.set("contextUUID", contextID)
	f.set("solutionUsed", string(Assistant))
	_, err := c.do(ctx, &call{op: "SendFeedbackComment", req: post(rest.Pathf("/chat/feedback/comment/%s", c.botID), f)})
	return err
}

// SendDissatisfaction records why the user is dissatisfied: the key of
// the choice they picked among the bot's feedback wordings. POST
// chat/feedback/insatisfaction/{bot}.
func (c *Client) SendDissatisfaction(ctx context.Context, contextID, choiceKey string) error {
	if err := checkContextID("SendDissatisfaction", contextID); err != nil {
		return err
	}
	if strings.TrimSpace(choiceKey) == "" {
		return invalid("SendDissatisfaction", "choiceKey", "the choice key is empty")
	}
	f := form{}
	f.set("choiceKey", choiceKey)
	f.set("contextUUID", contextID)
	f.set("solutionUsed", string(Assistant))
	_, err := c.do(ctx, &call{op: "SendDissatisfaction", req: post(rest.Pathf("/chat/feedback/insatisfaction/%s", c.botID), f)})
	return err
}

// GDPRAction is what a GDPR request asks for.
type GDPRAction string

// The GDPR requests the chatbox files ("object").
const (
	// GDPRGet sends the user their data, by email.
	GDPRGet GDPRAction = "Get"
	// GDPRDelete deletes the user's data.
	GDPRDelete GDPRAction = "Delete"
)

// GDPRRequest files a user's GDPR request.
type GDPRRequest struct {
	// Email is where the answer goes ("mail"). Required.
	Email string
	// Action is GDPRGet or GDPRDelete. Required.
	Action GDPRAction
	// ClientID as in [ContextRequest]; Language defaults to the client's.
	ClientID string
	Language string
}

// GDPR files a GDPR request for the user: POST chat/gdpr/{bot}, the
// chatbox's gdpr (one call per action). Safe to send again to another
// server (a second request for the same data changes nothing).
func (c *Client) GDPR(ctx context.Context, r *GDPRRequest) (Values, error) {
	if r == nil {
		return nil, invalid("GDPR", "", "no request")
	}
	if r.Action != GDPRGet && r.Action != GDPRDelete {
		return nil, invalid("GDPR", "object", "%q is not Get or Delete", r.Action)
	}
	if e := strings.TrimSpace(r.Email); e == "" || !strings.Contains(e, "@") {
		return nil, invalid("GDPR", "mail", "%q is not an email address", r.Email)
	}
	f := form{}
	f.set("clientId", r.ClientID)
	f.set("language", c.lang(r.Language))
	f.set("mail", strings.TrimSpace(r.Email))
	f.set("object", string(r.Action))
	return c.values(ctx, &call{op: "GDPR", req: post(rest.Pathf("/chat/gdpr/%s", c.botID), f), safe: true})
}

// TopKnowledgeRequest asks for the most asked knowledge.
type TopKnowledgeRequest struct {
	// Max is how many to return ("maxKnowledge"); 0 leaves it to the
	// server.
	Max int
	// Period is the period counted ("period"), as the BMS names them;
	// optional.
	Period string
	// Language and Space default to the client's.
	Language string
	Space    string
}

// TopKnowledge returns the most asked knowledge: POST
// chat/topknowledge/{bot}, the chatbox's top. As the chatbox reads it
// (src/tools/hooks/useTopKnowledge.js), the answer's knowledgeArticles is
// the JSON text of a list (or of one item); each item comes decoded as
// Values, its keys being undocumented. Safe to send again to another
// server.
func (c *Client) TopKnowledge(ctx context.Context, r *TopKnowledgeRequest) ([]Values, error) {
	if r == nil {
		r = &TopKnowledgeRequest{}
	}
	if r.Max < 0 {
		return nil, invalid("TopKnowledge", "maxKnowledge", "%d is negative", r.Max)
	}
	f := form{}
	f.set("language", c.lang(r.Language))
	if r.Max > 0 {
		f.set("maxKnowledge", fmt.Sprint(r.Max))
	}
	f.set("period", r.Period)
	f.set("space", c.spaceOr(r.Space))
	f.set("solutionUsed", string(Assistant))
	v, err := c.values(ctx, &call{op: "TopKnowledge", req: post(rest.Pathf("/chat/topknowledge/%s", c.botID), f), safe: true})
	if err != nil {
		return nil, err
	}
	list, err := knowledgeArticles(v.String("knowledgeArticles"))
	if err != nil {
		return nil, fmt.Errorf("dydu: TopKnowledge: knowledgeArticles: %w", err)
	}
	return list, nil
}

// knowledgeArticles reads the JSON text of top knowledge: a list of
// objects, or one object; empty for none.
func knowledgeArticles(text string) ([]Values, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var items []any
	switch x := raw.(type) {
	case []any:
		items = x
	case map[string]any:
		items = []any{x}
	default:
		return nil, fmt.Errorf("not a list")
	}
	out := make([]Values, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, Values(m))
		}
	}
	return out, nil
}

// SearchRequest asks for the knowledge that matches what the user is
// typing (auto-completion).
type SearchRequest struct {
	// Text is what the user typed so far ("search"). Required; at most
	// [MaxInputLength] characters.
	Text string
	// AllKnowledge also returns knowledge that is not offered as a
	// suggestion (the chatbox sends onlyShowRewordables=true).
	AllKnowledge bool
	// Language and Space default to the client's.
	Language string
	Space    string
}

// Suggestion is one knowledge that matches what the user is typing.
type Suggestion struct {
	// Reword is the knowledge's question as the bot words it
	// ("rootConditionReword"): what the chatbox shows and sends when the
	// user picks it.
	Reword string
	// Score ranks the suggestions; the chatbox shows the highest first.
	Score float64
	// Values is the whole decoded item.
	Values Values
}

// Search returns suggestions for what the user is typing: POST
// chat/search/{bot}, the chatbox's suggest, whose answer's values are a
// list of items with rootConditionReword and score (as the chatbox's
// input reads them), returned in the server's order. Safe to send again to
// another server.
func (c *Client) Search(ctx context.Context, r *SearchRequest) ([]Suggestion, error) {
	if r == nil {
		return nil, invalid("Search", "", "no request")
	}
	if err := checkInput("Search", "search", r.Text); err != nil {
		return nil, err
	}
	f := form{}
	f.set("language", c.lang(r.Language))
	f["search"] = []string{r.Text}
	f.set("space", c.spaceOr(r.Space))
	f.bool("onlyShowRewordables", !r.AllKnowledge)
	env, err := c.envelope(ctx, &call{op: "Search", req: post(rest.Pathf("/chat/search/%s", c.botID), f), safe: true})
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	for _, it := range env.List {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		v := Values(m)
		s := Suggestion{Reword: v.String("rootConditionReword"), Values: v}
		s.Score, _ = v.Float("score")
		out = append(out, s)
	}
	return out, nil
}

// Typing tells the operator of a livechat that the user is typing (input
// is the draft so far) or stopped (input empty): POST chat/typing/{bot},
// with the draft base64-encoded in "content". Safe to send again to
// another server.
func (c *Client) Typing(ctx context.Context, contextID, input string) error {
	if err := checkContextID("Typing", contextID); err != nil {
		return err
	}
	f := form{}
	f.bool("typing", input != "")
	f.set("content", encodeString(input))
	f.set("contextId", contextID)
	f.set("solutionUsed", string(Assistant))
	_, err := c.do(ctx, &call{op: "Typing", req: post(rest.Pathf("/chat/typing/%s", c.botID), f), safe: true})
	return err
}

// Reading tells the operator of a livechat that the user has read their
// messages: POST chat/reading/{bot}. Safe to send again to another server.
func (c *Client) Reading(ctx context.Context, contextID string) error {
	if err := checkContextID("Reading", contextID); err != nil {
		return err
	}
	f := form{}
	f.bool("reading", true)
	f.set("contextId", contextID)
	f.set("solutionUsed", string(Assistant))
	f.set("mode", encodeString(readingMode()))
	_, err := c.do(ctx, &call{op: "Reading", req: post(rest.Pathf("/chat/reading/%s", c.botID), f), safe: true})
	return err
}

// WhoAmI returns the host name of the server that answers, as the
// chatbox's whoami reads it from GET whoami/: a way to see which server of
// several is serving. Safe to send again to another server.
func (c *Client) WhoAmI(ctx context.Context) (string, error) {
	body, err := c.do(ctx, &call{op: "WhoAmI", req: &rest.Request{Method: http.MethodGet, Path: "/whoami"}, safe: true})
	if err != nil {
		return "", err
	}
	host, err := whoamiHost(body)
	if err != nil {
		return "", fmt.Errorf("dydu: WhoAmI: %w", err)
	}
	return host, nil
}
