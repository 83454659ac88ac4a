package dydutest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// apiPrefix is where the dialog API is served (CV5's SERVLET_API).
const apiPrefix = "/servlet/api/"

// route is a parsed dialog API path.
type route struct {
	endpoint string // talk, context, poll, feedback/comment…
	bot      string
	ctx      string // the context in the path (talk, availablecontext)
}

// parseRoute reads path, which starts with apiPrefix. A trailing slash
// is optional, as CV5 strips it before sending.
func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, apiPrefix+"chat/")
	if !ok {
		return route{}, false
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if len(parts) < 2 || slices.Contains(parts, "") {
		return route{}, false
	}
	switch parts[0] {
	case "talk":
		switch len(parts) {
		case 2:
			return route{endpoint: "talk", bot: parts[1]}, true
		case 3:
			return route{endpoint: "talk", bot: parts[1], ctx: parts[2]}, true
		}
	case "availablecontext":
		if len(parts) == 3 {
			return route{endpoint: "availablecontext", bot: parts[1], ctx: parts[2]}, true
		}
	case "feedback":
		switch {
		case len(parts) == 2:
			return route{endpoint: "feedback", bot: parts[1]}, true
		case len(parts) == 3 && (parts[1] == "comment" || parts[1] == "insatisfaction"):
			return route{endpoint: "feedback/" + parts[1], bot: parts[2]}, true
		}
	case "poll":
		if len(parts) == 3 && parts[1] == "last" {
			return route{endpoint: "poll", bot: parts[2]}, true
		}
	case "context", "welcomecall", "history", "search", "topknowledge", "gdpr", "variable", "typing", "reading":
		if len(parts) == 2 {
			return route{endpoint: parts[0], bot: parts[1]}, true
		}
	}
	return route{}, false
}

// serve is the fake's router.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	if bot, isAdmin := competenciesRoute(r.URL.Path); isAdmin {
		s.serveCompetencies(w, r, bot)
		return
	}
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "no dialog API endpoint at "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "the dialog API takes GET or POST")
		return
	}
	if rt.bot != s.BotID {
		res := unknownBot(rt.bot)
		writeError(w, res.status, res.code, res.text)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "the body is not a valid form: "+err.Error())
		return
	}
	s.st.handle(w, rt, r.Form)
}

// form is the request's parameters (query and form body).
type form = map[string][]string

func get(f form, k string) string {
	if v := f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// handle serves one dialog API request.
func (st *state) handle(w http.ResponseWriter, rt route, f form) {
	st.mu.Lock()
	res := st.answer(rt, f)
	st.mu.Unlock()
	if res.esc != nil && st.cfg.onEsc != nil {
		st.cfg.onEsc(*res.esc)
	}
	if res.status >= 400 {
		writeError(w, res.status, res.code, res.text)
		return
	}
	writeEnvelope(w, res.status, res.typ, res.values)
}

// result is an answer: values under type, or an error's status, code and
// text; esc is the escalation the request caused.
type result struct {
	status     int
	typ        string
	values     any
	code, text string
	esc        *Escalation
}

// fail is answer's error result.
func fail(status int, code, text string) result {
	return result{status: status, code: code, text: text}
}

func ok(endpoint string, v any) result {
	return result{status: http.StatusOK, typ: responseType(endpoint), values: v}
}

// answer computes the answer; st.mu is held.
func (st *state) answer(rt route, f form) result {
	now := st.now()
	serverTime := nowMS(now)
	switch rt.endpoint {
	case "context":
		d := st.newDialog(get(f, "clientId"), get(f, "language"), get(f, "space"))
		return ok("context", map[string]any{"contextId": d.ID})
	case "availablecontext":
		return ok("availablecontext", map[string]any{"isContextStillAvailable": st.lookup(rt.ctx, false) != nil})
	case "talk":
		return st.talk(rt, f, serverTime)
	case "welcomecall":
		d := st.lookup(get(f, "contextUuid"), true)
		if d == nil {
			d = st.newDialog(get(f, "clientId"), get(f, "language"), get(f, "space"))
		}
		v := map[string]any{"contextId": d.ID, "serverTime": serverTime, "botId": st.cfg.botID}
		setIf(v, "language", d.Language)
		if k := st.bot.welcome; k != nil {
			v["text"], v["typeResponse"], v["knowledgeId"] = k.Answer, k.TypeResponse, k.ID
			d.addInteraction(Interaction{Text: k.Answer, TypeResponse: k.TypeResponse, KnowledgeID: k.ID, Time: now})
		}
		return ok("welcomecall", v)
	case "search":
		return ok("search", st.searchList(get(f, "search")))
	case "topknowledge":
		n := 5
		if m, err := strconv.Atoi(get(f, "maxKnowledge")); err == nil && m > 0 {
			n = min(m, 100)
		}
		return ok("topknowledge", topKnowledgeValues(st.top(n)))
	case "gdpr":
		return st.gdprRequest(f, now)
	}
	// The rest need a live context.
	ctxKey := "contextUuid"
	switch rt.endpoint {
	case "feedback", "feedback/comment", "feedback/insatisfaction":
		ctxKey = "contextUUID"
	case "typing", "reading":
		ctxKey = "contextId"
	}
	id := get(f, ctxKey)
	if id == "" {
		return fail(http.StatusBadRequest, "MissingParameter", "the "+ctxKey+" parameter is required")
	}
	d := st.lookup(id, touches(rt.endpoint))
	if d == nil {
		return unknownContext(id)
	}
	switch rt.endpoint {
	case "history":
		items := make([]any, len(d.Interactions))
		for i, in := range d.Interactions {
			items[i] = historyInteraction(in)
		}
		v := map[string]any{"contextId": d.ID, "botUUID": st.cfg.botID, "serverTime": serverTime,
			"interactions": items, "livechatEnabled": d.Livechat != LivechatNone}
		if d.lastEventDate > 0 {
			v["pollUpdatedInteractionDate"] = d.lastEventDate
		}
		return ok("history", v)
	case "variable":
		name := get(f, "name")
		if name == "" {
			return fail(http.StatusBadRequest, "MissingParameter", "the name parameter is required")
		}
		d.Variables[name] = get(f, "value")
		return ok("variable", okValues())
	case "typing":
		d.UserTyping = get(f, "typing") == "true"
		d.TypingContent = decodeLenient(get(f, "content"))
		return ok("typing", okValues())
	case "reading":
		d.Read = get(f, "reading") == "true"
		return ok("reading", okValues())
	case "feedback":
		fb := get(f, "feedBack")
		if fb != "positive" && fb != "negative" && fb != "withoutAnswer" {
			return fail(http.StatusBadRequest, "InvalidParameter", "feedBack must be positive, negative or withoutAnswer, not "+strconv.Quote(fb))
		}
		st.feedbacks = record(st.feedbacks, Feedback{ContextID: d.ID, Kind: "feedback", Value: fb, Time: now})
		return ok("feedback", okValues())
	case "feedback/comment", "feedback/insatisfaction":
		key := "comment"
		if rt.endpoint == "feedback/insatisfaction" {
			key = "choiceKey"
		}
		val := get(f, key)
		if val == "" {
			return fail(http.StatusBadRequest, "MissingParameter", "the "+key+" parameter is required")
		}
		st.feedbacks = record(st.feedbacks, Feedback{ContextID: d.ID, Kind: strings.TrimPrefix(rt.endpoint, "feedback/"), Value: val, Time: now})
		return ok("feedback", okValues())
	case "poll":
		last := int64(0)
		if lp := get(f, "lastPoll"); lp != "" {
			n, err := strconv.ParseInt(lp, 10, 64)
			if err != nil {
				return fail(http.StatusBadRequest, "InvalidParameter", "lastPoll must be a time in milliseconds, not "+strconv.Quote(lp))
			}
			last = n
		}
		ev, found := d.next(last)
		if !found {
			return ok("poll", emptyPollValues(serverTime))
		}
		v := make(map[string]any, len(ev.Values)+3)
		for k, x := range ev.Values {
			v[k] = x
		}
		v["pollUpdatedInteractionDate"] = ev.Date
		v["serverTime"] = serverTime
		v["contextId"] = d.ID
		return ok("poll", v)
	}
	return fail(http.StatusNotFound, "NotFound", "no endpoint "+rt.endpoint)
}

// talk is chat/talk: the bot answers, or the operator gets the message.
func (st *state) talk(rt route, f form, serverTime int64) result {
	now := st.now()
	input := get(f, "userInput")
	if strings.TrimSpace(input) == "" {
		return fail(http.StatusBadRequest, "MissingParameter", "the userInput parameter is required")
	}
	d := st.lookup(rt.ctx, true)
	if d == nil {
		d = st.newDialog(get(f, "clientId"), get(f, "language"), get(f, "space"))
	}
	if l := get(f, "language"); l != "" {
		d.Language = l
	}
	if sp := get(f, "space"); sp != "" {
		d.Space = sp
	}
	if n := utf8.RuneCountInString(input); n > MaxUserInput {
		input = string([]rune(input)[:MaxUserInput])
		st.truncations = record(st.truncations, Truncation{ContextID: d.ID, Length: n, Used: input, Time: now})
	}
	// Client-side variables: a JSON object; what is not one is ignored.
	var vars map[string]any
	if json.Unmarshal([]byte(get(f, "variables")), &vars) == nil {
		for k, v := range vars {
			if s, isStr := v.(string); isStr {
				d.Variables[k] = s
			} else {
				b, _ := json.Marshal(v)
				d.Variables[k] = string(b)
			}
		}
	}
	if d.Livechat != LivechatNone {
		d.userMessages = record(d.userMessages, LivechatMessage{ContextID: d.ID, Text: input, Time: now})
		d.addInteraction(Interaction{User: input, Livechat: true, Time: now})
		d.UserTyping = false
		return ok("talk", livechatTalkValues(d, serverTime))
	}
	v := map[string]any{"contextId": d.ID, "serverTime": serverTime, "botId": st.cfg.botID,
		"startLivechat": false, "human": false}
	setIf(v, "language", d.Language)
	if k := d.capture; k != nil {
		d.capture = nil
		d.Variables[k.Capture] = input
		v["text"], v["typeResponse"], v["knowledgeId"] = k.CaptureReply, k.TypeResponse, k.ID
		d.addInteraction(Interaction{User: input, Text: k.CaptureReply, TypeResponse: k.TypeResponse, KnowledgeID: k.ID, Time: now})
		return ok("talk", v)
	}
	k := st.bot.match(input)
	if k == nil {
		v["text"], v["typeResponse"] = st.bot.fallback, "GBMisunderstoodQuestion"
		d.addInteraction(Interaction{User: input, Text: st.bot.fallback, TypeResponse: "GBMisunderstoodQuestion", Time: now})
		return ok("talk", v)
	}
	st.bot.hits[k.ID]++
	v["text"], v["typeResponse"], v["knowledgeId"] = k.Answer, k.TypeResponse, k.ID
	if k.Capture != "" {
		d.capture = k
	}
	if !k.Livechat {
		d.addInteraction(Interaction{User: input, Text: k.Answer, TypeResponse: k.TypeResponse, KnowledgeID: k.ID, Time: now})
		return ok("talk", v)
	}
	queued := st.queuePos > 0
	escalationValues(v, queued, st.queuePos, st.queueWait)
	d.addInteraction(Interaction{User: input, Text: k.Answer, TypeResponse: v["typeResponse"].(string), KnowledgeID: k.ID, Time: now})
	d.Livechat = LivechatConnected
	if queued {
		d.Livechat = LivechatQueued
	}
	d.lastEventDate = max(d.lastEventDate, serverTime)
	esc := Escalation{ContextID: d.ID, KnowledgeID: k.ID, Skill: k.Skill, Question: input, Queued: queued,
		Variables: cloneVars(d.Variables), Transcript: slices.Clone(d.Interactions), Time: now}
	st.escalations = record(st.escalations, esc)
	res := ok("talk", v)
	res.esc = &esc
	return res
}

func cloneVars(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// gdprRequest is chat/gdpr.
func (st *state) gdprRequest(f form, now time.Time) result {
	obj, mail := get(f, "object"), get(f, "mail")
	if obj != "Get" && obj != "Delete" {
		return fail(http.StatusBadRequest, "InvalidParameter", "object must be Get or Delete, not "+strconv.Quote(obj))
	}
	if mail == "" {
		return fail(http.StatusBadRequest, "MissingParameter", "the mail parameter is required")
	}
	req := GDPRRequest{ClientID: get(f, "clientId"), Mail: mail, Object: obj, Language: get(f, "language"), Time: now}
	if obj == "Delete" {
		for id, d := range st.dialogs {
			if (req.ClientID != "" && d.ClientID == req.ClientID) || strings.EqualFold(d.Variables["mail"], mail) {
				delete(st.dialogs, id)
				req.Deleted++
			}
		}
	}
	st.gdpr = record(st.gdpr, req)
	return ok("gdpr", okValues())
}

// top returns the n knowledge most often matched, then in the order
// added; the welcome is not a question and is left out.
func (st *state) top(n int) []topArticle {
	ids := make([]int, 0, len(st.bot.order))
	for _, id := range st.bot.order {
		if len(st.bot.knowledge[id].Questions) > 0 {
			ids = append(ids, id)
		}
	}
	pos := make(map[int]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int { return st.bot.hits[b] - st.bot.hits[a] })
	out := make([]topArticle, 0, min(n, len(ids)))
	for _, id := range ids[:min(n, len(ids))] {
		out = append(out, topArticle{ID: id, Reword: st.bot.knowledge[id].Questions[0]})
	}
	return out
}

// searchList is chat/search's values: the questions that start with, or
// hold, the words searched.
func (st *state) searchList(text string) []any {
	words := normalize(text)
	out := []any{}
	if len(words) == 0 {
		return out
	}
	for _, id := range st.bot.order {
		k := st.bot.knowledge[id]
		for _, q := range k.Questions {
			qw := normalize(q)
			if containsRun(qw, words) || (len(qw) > 0 && strings.HasPrefix(strings.Join(qw, " "), strings.Join(words, " "))) {
				out = append(out, searchResult(id, q, float64(len(words))/float64(max(len(qw), len(words)))))
				break
			}
		}
		if len(out) == 10 {
			break
		}
	}
	return out
}

// writeEnvelope writes {"type": typ, "values": values} with every string
// inside values base64-encoded (UTF-8, standard alphabet, padded), as
// the dialog API does.
func writeEnvelope(w http.ResponseWriter, status int, typ string, values any) {
	b, err := json.Marshal(map[string]any{"type": typ, "values": encodeStrings(values)})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// encodeStrings returns v with every string base64-encoded, recursively.
func encodeStrings(v any) any {
	switch x := v.(type) {
	case string:
		return base64.StdEncoding.EncodeToString([]byte(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = encodeStrings(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = encodeStrings(e)
		}
		return out
	}
	return v
}

// decodeLenient decodes a base64 parameter (typing's content), keeping
// it as sent when it is not base64.
func decodeLenient(s string) string {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && utf8.Valid(b) {
		return string(b)
	}
	return s
}

// serveCompetencies is the admin web service that lists the skills,
// behind Basic authentication (see competenciesRoute).
func (s *Server) serveCompetencies(w http.ResponseWriter, r *http.Request, bot string) {
	login, pw, hasBasic := r.BasicAuth()
	if !hasBasic || subtle.ConstantTimeCompare([]byte(login), []byte(s.AdminLogin)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pw), []byte(s.AdminPassword)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="dydu"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "the admin web services need Basic authentication with a BMS login and password")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "competencies takes GET")
		return
	}
	if bot != s.BotID {
		res := unknownBot(bot)
		writeError(w, res.status, res.code, res.text)
		return
	}
	writeEnvelope(w, http.StatusOK, responseType("competencies"), competenciesValues(s.Skills()))
}
