package brightpatterntest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// The scenario driver plays what a Bright Pattern scenario does when a call
// or a chat arrives: it sets the interaction's variables, runs Fetch URL
// blocks (https://help.brightpattern.com/5.19:Scenario-builder-reference-guide/ScenarioBlocks/FetchURL,
// https://help.brightpattern.com/5.2:Scenario-builder-reference-guide/FetchURL)
// against the URLs it was given, puts what they answered into the
// scenario's variables, and delivers the interaction to its agent.
//
// What the block does, as documented:
//   - Request type: GET (the default), POST, PUT, PATCH or DELETE.
//   - URL to fetch; URL parameters are URL-encoded and appended, the '?'
//     and '&' separators inserted. Extra headers (name and value, usually
//     for authentication). Basic authentication (username and password).
//   - Content type application/json with a Body, or
//     application/x-www-form-urlencoded with Form parameters; variables
//     $(varname) are substituted in the URL, parameters, headers and body.
//   - Exits: Failed (an error during the HTTP method), No Data (no data in
//     the response body), Timeout (the Request Timeout passed).
//   - Result: stored whole and unparsed in a variable, or parsed into
//     scenario variables; the response's code and body are in
//     $(fetchURLResultCode) and $(fetchURLResultBody), and in
//     $(integrationResultCode) and $(integrationResultBody)
//     (https://help3x.brightpattern.com/3.17:Scenario-builder-reference-guide/Variables).
//
// How a parsed answer becomes variables, which status codes take Failed,
// and what an unknown $(var) becomes are not in the copies of the pages the
// fake was written from: see unconfirmed.go.

// Scenario variable names the driver sets.
const (
	// VarDNIS is the number the caller dialled
	// (https://help.brightpattern.com/5.3:Scenario-builder-reference-guide/Variables).
	VarDNIS = "item.DNIS"
	// VarFrom is a chat's "from" (the chat API's start request).
	VarFrom = "item.from"
	// VarGlobalInteractionID is the interaction's global id.
	VarGlobalInteractionID = "item.globalInteractionId"
	// VarAgentLoginID and the VarAgent… names describe the agent the
	// interaction is delivered to
	// (https://help.brightpattern.com/5.2:Contact-center-administrator-guide/Variables).
	VarAgentLoginID   = "user.loginId"
	VarAgentFirstName = "user.firstName"
	VarAgentLastName  = "user.lastName"
	VarAgentTeam      = "user.team"
	// VarChatDataPrefix prefixes a chat's start parameters:
	// $(item.externalChatData.<param>)
	// (https://help.brightpattern.com/5.19:Mobile-SDK-Instruction-Manual/Scenarios).
	VarChatDataPrefix = "item.externalChatData."
	// The response of the most recent Fetch URL block.
	VarFetchResultCode       = "fetchURLResultCode"
	VarFetchResultBody       = "fetchURLResultBody"
	VarIntegrationResultCode = "integrationResultCode"
	VarIntegrationResultBody = "integrationResultBody"
)

// VarANI names the variable of the caller's number, "item.ANI": a guess,
// as the name is not in the pages read (unconfirmed.go).
var VarANI = aniVariable()

// Kind is the kind of an arriving interaction.
type Kind string

// The kinds of interaction.
const (
	KindVoice Kind = "voice"
	KindChat  Kind = "chat"
)

// Exit is the exit a Fetch URL block took.
type Exit string

// The exits of a Fetch URL block.
const (
	// ExitNext is the block's ordinary exit, to the next block.
	ExitNext    Exit = "Next"
	ExitFailed  Exit = "Failed"
	ExitNoData  Exit = "No Data"
	ExitTimeout Exit = "Timeout"
)

// Header is one name and value of a block's Extra headers, URL parameters
// or Form parameters. Value may hold $(var).
type Header struct {
	Name  string
	Value string
}

// FetchURL is one Fetch URL block as a scenario author configures it.
type FetchURL struct {
	// Title is the block's title text, for the record.
	Title string
	// Method is the Request type; "" means GET, the block's default.
	Method string
	// URL is the URL to fetch; it may hold $(var).
	URL string
	// Headers are the Extra headers.
	Headers []Header
	// URLParams are appended to the URL, URL-encoded.
	URLParams []Header
	// ContentType is "application/json" (the default when there is a body)
	// or "application/x-www-form-urlencoded" (FormParams are sent).
	ContentType string
	// Body is the raw JSON body, $(var) substituted as text.
	Body string
	// FormParams are the form's parameters.
	FormParams []Header
	// Username and Password, when set, authenticate with Basic.
	Username, Password string
	// Timeout is the Request Timeout; 0 means [DefaultFetchTimeout].
	Timeout time.Duration
	// ResultVariable, when set, stores the whole response body, unparsed,
	// in that variable ("Result is stored in: Variable"); otherwise the
	// JSON answer is parsed into variables.
	ResultVariable string
}

// ScenarioCall is the block a Bright Pattern scenario uses to call a
// deskbridge scenario endpoint: POST application/json to url, the shared
// secret as "Authorization: Bearer <secret>" in Extra headers, and as body
// a JSON object holding every variable of the interaction by its name
// ({"item.DNIS":"$(item.DNIS)", …}; see [VariablesBody]).
func ScenarioCall(url, secret string) FetchURL {
	return FetchURL{
		Title:       "deskbridge",
		Method:      http.MethodPost,
		URL:         url,
		Headers:     []Header{{Name: "Authorization", Value: "Bearer " + secret}},
		ContentType: "application/json",
		Body:        VariablesBody,
	}
}

// VariablesBody, as a block's Body, stands for a JSON object naming every
// variable the scenario has when the block runs, each "$(name)"
// substituted as any body is: what an author writes out by hand as
// {"item.DNIS":"$(item.DNIS)", "user.loginId":"$(user.loginId)", …}.
const VariablesBody = "\x00all-variables"

// Interaction is a call or a chat arriving at the tenant.
type Interaction struct {
	// Kind is KindVoice (the default) or KindChat.
	Kind Kind
	// ANI is the caller's number (a chat's: its phone_number, when not set
	// here), DNIS the number dialled.
	ANI, DNIS string
	// Agent is the login id of the agent the interaction is delivered to;
	// it must be a user of the fake. "" delivers to nobody.
	Agent string
	// ChatID names the chat, for Kind KindChat; the chat must exist (started
	// through the chat API).
	ChatID string
	// Variables are further scenario variables, set before the blocks run.
	Variables map[string]string
}

// ScenarioRun is what happened when an interaction ran through the
// scenario.
type ScenarioRun struct {
	// GlobalInteractionID is the interaction's id ($(item.globalInteractionId)).
	GlobalInteractionID string
	Interaction         Interaction
	Time                time.Time
	// Blocks are the blocks that ran, in order. The run stops after a block
	// that took an exit other than ExitNext.
	Blocks []BlockRun
	// Exit is the last block's exit (ExitNext when there was no block).
	Exit Exit
	// Variables are the scenario's variables at the end.
	Variables map[string]string
	// Delivered says the interaction was delivered to Interaction.Agent.
	Delivered bool
}

// BlockRun is one Fetch URL block's call and what came of it.
type BlockRun struct {
	Title string
	// Method and URL are the request's (the URL with its parameters, any
	// credential in them redacted).
	Method, URL string
	// Request is the attempt: its time, redacted headers, and the
	// response's status (0 when none came) or the error ("timeout" …).
	Request Attempt
	// Body is the request body sent, credentials redacted.
	Body []byte
	// Status and Response are the answer's status and body.
	Status   int
	Response []byte
	Exit     Exit
	// Result holds the variables the answer set.
	Result map[string]string
}

// SetScenario sets the blocks an arriving interaction runs through, in
// order.
func (s *Server) SetScenario(blocks ...FetchURL) {
	s.mu.Lock()
	s.scenario = slices.Clone(blocks)
	s.mu.Unlock()
}

// ErrNoScenario is returned by [Server.Arrive] when no block is set.
var ErrNoScenario = errors.New("brightpatterntest: no scenario: give WithScenario or SetScenario a Fetch URL block")

// Arrive plays an interaction arriving: it sets its variables, runs the
// scenario's blocks (a failed call is an exit of the run, not an error),
// and delivers the interaction to its agent — for a chat, the agent joins
// it (see [Server.AgentJoin]). The run is recorded ([Server.Runs]).
//
// It returns an error, and runs nothing, for bad input: no scenario, an
// unknown agent or chat, a chat that has ended, a block URL that is not
// http(s).
func (s *Server) Arrive(ctx context.Context, in Interaction) (ScenarioRun, error) {
	if in.Kind == "" {
		in.Kind = KindVoice
	}
	if in.Kind != KindVoice && in.Kind != KindChat {
		return ScenarioRun{}, fmt.Errorf("brightpatterntest: Arrive: unknown kind %q (want %q or %q)", in.Kind, KindVoice, KindChat)
	}
	in.Variables = cloneMap(in.Variables)
	run := ScenarioRun{GlobalInteractionID: newInteractionID(), Interaction: in}
	vars, blocks, err := s.prepare(in, run.GlobalInteractionID)
	if err != nil {
		return ScenarioRun{}, err
	}
	run.Time = s.now()
	run.Exit = ExitNext
	for _, b := range blocks {
		br := s.fetch(ctx, b, vars)
		run.Blocks = append(run.Blocks, br)
		run.Exit = br.Exit
		if br.Exit != ExitNext {
			break
		}
	}
	run.Variables = vars
	s.mu.Lock()
	if in.Agent != "" {
		switch in.Kind {
		case KindChat:
			run.Delivered = s.agentJoin(in.ChatID, in.Agent) == nil
		default:
			run.Delivered = true
		}
	}
	s.runs = append(s.runs, run)
	if len(s.runs) > MaxRuns {
		s.runs = slices.Delete(s.runs, 0, len(s.runs)-MaxRuns)
	}
	s.mu.Unlock()
	return run, nil
}

// prepare checks in and returns the scenario's starting variables and
// blocks.
func (s *Server) prepare(in Interaction, giid string) (map[string]string, []FetchURL, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.scenario) == 0 {
		return nil, nil, ErrNoScenario
	}
	for i, b := range s.scenario {
		if err := checkBlock(b); err != nil {
			return nil, nil, fmt.Errorf("brightpatterntest: Arrive: block %d (%q): %w", i+1, b.Title, err)
		}
	}
	vars := map[string]string{VarGlobalInteractionID: giid}
	if in.Agent != "" {
		u, ok := s.users[in.Agent]
		if !ok {
			return nil, nil, fmt.Errorf("%w: agent %q (add it with AddUser)", ErrNoUser, in.Agent)
		}
		vars[VarAgentLoginID] = u.LoginID
		setIf(vars, VarAgentFirstName, u.FirstName)
		setIf(vars, VarAgentLastName, u.LastName)
		setIf(vars, VarAgentTeam, u.Team)
	}
	if in.Kind == KindChat {
		c, ok := s.chats[in.ChatID]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %q (start it through the chat API first)", ErrNoChat, in.ChatID)
		}
		if c.Ended {
			return nil, nil, fmt.Errorf("%w: %q", ErrChatEnded, in.ChatID)
		}
		if in.ANI == "" {
			in.ANI = c.PhoneNumber
		}
		setIf(vars, VarFrom, c.From)
		for k, raw := range c.Parameters {
			vars[VarChatDataPrefix+k] = jsonText(raw)
		}
	}
	setIf(vars, VarANI, in.ANI)
	setIf(vars, VarDNIS, in.DNIS)
	for k, v := range in.Variables {
		vars[k] = v
	}
	return vars, slices.Clone(s.scenario), nil
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// jsonText is a JSON value as a scenario variable: a string's text, any
// other value's JSON.
func jsonText(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	return string(raw)
}

// checkBlock refuses a block the fake cannot run.
func checkBlock(b FetchURL) error {
	if b.URL == "" {
		return errors.New("no URL to fetch")
	}
	if !strings.Contains(b.URL, "$(") {
		u, err := url.Parse(b.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("URL to fetch %q is not an http(s) URL", b.URL)
		}
	}
	switch strings.ToUpper(b.Method) {
	case "", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return fmt.Errorf("request type %q is not GET, POST, PUT, PATCH or DELETE", b.Method)
	}
	switch b.ContentType {
	case "", "application/json", "application/x-www-form-urlencoded":
	default:
		return fmt.Errorf("content type %q is not application/json or application/x-www-form-urlencoded", b.ContentType)
	}
	if b.Timeout < 0 {
		return errors.New("negative request timeout")
	}
	return nil
}

// MaxResponseSize is the largest answer a block reads; a larger one takes
// the Failed exit. Bright Pattern documents no limit: this is the fake's.
const MaxResponseSize = 1 << 20

// fetch runs one block with vars, and sets the variables it answers.
func (s *Server) fetch(ctx context.Context, b FetchURL, vars map[string]string) BlockRun {
	br := BlockRun{Title: b.Title, Method: strings.ToUpper(b.Method)}
	if br.Method == "" {
		br.Method = http.MethodGet
	}
	req, body, secrets, err := buildRequest(ctx, b, br.Method, vars)
	br.Request.Time = s.now()
	if err != nil {
		br.Request.Err = err.Error()
		br.Exit = ExitFailed
		return br
	}
	br.URL = redactURL(req.URL)
	br.Body = redactSent(req.Header.Get("Content-Type"), body, secrets)
	timeout := b.Timeout
	if timeout == 0 {
		timeout = DefaultFetchTimeout
	}
	cctx, cancel := context.WithTimeout(req.Context(), timeout)
	defer cancel()
	req = req.WithContext(cctx)
	br.Request.Header = redactHeaders(req.Header, b.Headers)
	resp, err := s.cfg.fetchClient.Do(req)
	if err != nil {
		br.Request.Err, br.Exit = transportExit(ctx, cctx, err)
		return br
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	br.Status, br.Request.Status = resp.StatusCode, resp.StatusCode
	if err != nil {
		br.Request.Err, br.Exit = transportExit(ctx, cctx, err)
		return br
	}
	if len(data) > MaxResponseSize {
		br.Request.Err, br.Exit = fmt.Sprintf("answer larger than %d bytes", MaxResponseSize), ExitFailed
		return br
	}
	br.Response = data
	code := strconv.Itoa(resp.StatusCode)
	br.Result = map[string]string{
		VarFetchResultCode: code, VarIntegrationResultCode: code,
		VarFetchResultBody: string(data), VarIntegrationResultBody: string(data),
	}
	switch {
	case failedStatus(resp.StatusCode):
		br.Exit = ExitFailed
	case len(bytes.TrimSpace(data)) == 0:
		br.Exit = ExitNoData
		if b.ResultVariable != "" {
			br.Result[b.ResultVariable] = ""
		}
	case b.ResultVariable != "":
		br.Result[b.ResultVariable] = string(data)
		br.Exit = ExitNext
	default:
		parsed, err := parseResult(data)
		if err != nil {
			br.Request.Err, br.Exit = err.Error(), ExitFailed
			break
		}
		for k, v := range parsed {
			br.Result[k] = v
		}
		br.Exit = ExitNext
	}
	for k, v := range br.Result {
		vars[k] = v
	}
	return br
}

// transportExit is the exit of a call that got no (whole) answer: Timeout
// when the block's own timeout ended it, Failed otherwise.
func transportExit(ctx, callCtx context.Context, err error) (string, Exit) {
	if errors.Is(callCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return "timeout", ExitTimeout
	}
	return describe(err), ExitFailed
}

// buildRequest substitutes vars into b and builds its request. secrets are
// the values that must not be recorded (the password, header values).
func buildRequest(ctx context.Context, b FetchURL, method string, vars map[string]string) (*http.Request, []byte, []string, error) {
	sub := func(s string) string { return substitute(s, vars) }
	u, err := url.Parse(sub(b.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, nil, errors.New("the URL to fetch is not an http(s) URL once its variables are substituted")
	}
	if len(b.URLParams) > 0 {
		q := u.Query()
		for _, p := range b.URLParams {
			q.Add(sub(p.Name), sub(p.Value))
		}
		u.RawQuery = q.Encode()
	}
	var body []byte
	ct := b.ContentType
	switch {
	case ct == "application/x-www-form-urlencoded":
		f := url.Values{}
		for _, p := range b.FormParams {
			f.Add(sub(p.Name), sub(p.Value))
		}
		body = []byte(f.Encode())
	case b.Body == VariablesBody:
		body = []byte(substitute(variablesTemplate(vars), vars))
		ct = "application/json"
	case b.Body != "":
		body = []byte(sub(b.Body))
		ct = "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("the request cannot be built: %v", err)
	}
	if len(body) > 0 || ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	var secrets []string
	for _, h := range b.Headers {
		v := sub(h.Value)
		req.Header.Add(sub(h.Name), v)
		secrets = append(secrets, v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			secrets = append(secrets, strings.TrimSpace(cred))
		}
	}
	if b.Username != "" || b.Password != "" {
		pw := sub(b.Password)
		req.SetBasicAuth(sub(b.Username), pw)
		secrets = append(secrets, pw)
	}
	return req, body, secrets, nil
}

// variablesTemplate is the body VariablesBody stands for: every variable
// by name, in name order.
func variablesTemplate(vars map[string]string) string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	slices.Sort(names)
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			sb.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		sb.Write(key)
		sb.WriteString(`:"$(`)
		sb.WriteString(k)
		sb.WriteString(`)"`)
	}
	sb.WriteByte('}')
	return sb.String()
}

// redactHeaders copies h with every Extra header and the credential
// headers redacted: an author puts credentials there.
func redactHeaders(h http.Header, extra []Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"} {
		if out.Get(k) != "" {
			out.Set(k, fakeserver.Redacted)
		}
	}
	for _, e := range extra {
		for k := range out {
			if strings.EqualFold(k, e.Name) || strings.Contains(e.Name, "$(") {
				if k != "Content-Type" {
					out.Set(k, fakeserver.Redacted)
				}
			}
		}
	}
	return out
}

// redactURL writes u with any password and credential-named query
// parameter redacted.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	c.RawQuery = fakeserver.RedactQuery(c.RawQuery)
	return c.String()
}

// redactSent redacts credentials in a body the driver sent.
func redactSent(contentType string, body []byte, secrets []string) []byte {
	out := fakeserver.RedactBody(contentType, body)
	for _, k := range secrets {
		if len(k) >= 6 && bytes.Contains(out, []byte(k)) {
			out = bytes.ReplaceAll(out, []byte(k), []byte(fakeserver.Redacted))
		}
	}
	return bytes.Clone(out)
}

func describe(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// Runs returns the scenario runs so far, oldest first (at most [MaxRuns]).
func (s *Server) Runs() []ScenarioRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.runs)
}

// LastRun returns the most recent scenario run.
func (s *Server) LastRun() (ScenarioRun, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.runs) == 0 {
		return ScenarioRun{}, false
	}
	return s.runs[len(s.runs)-1], true
}
