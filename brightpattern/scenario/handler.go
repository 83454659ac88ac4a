package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/flow"
)

// What the handler adds to its answer.
const (
	// VarExit is the answer's member holding the scenario's exit.
	VarExit = "deskbridge.exit"
	// VarError is the answer's member saying why the scenario took Failed.
	VarError = "deskbridge.error"
	// HeaderExit is the answer's header holding the scenario's exit.
	HeaderExit = "X-Deskbridge-Exit"
)

// ParseVariables reads the body a Bright Pattern Fetch URL block sends: a
// JSON object of variables by their Bright Pattern names
// ({"item.ANI":"+1…","user.loginId":"ann"}). Values are strings; a
// number, true, false or null is taken as its text (null as ""). It refuses,
// with an error naming the problem, anything else: not an object, a nested
// value, an empty or over-long name, a value over [MaxValueLen], more than
// [MaxVariables] variables, text that is not UTF-8.
func ParseVariables(body []byte) (map[string]string, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("the body is not UTF-8 text")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("the body is not a JSON object of variables: %v", err)
	}
	if raw == nil {
		return nil, errors.New("the body is not a JSON object of variables: null")
	}
	if len(raw) > MaxVariables {
		return nil, fmt.Errorf("the body holds %d variables, more than the limit of %d", len(raw), MaxVariables)
	}
	vars := make(map[string]string, len(raw))
	for k, v := range raw {
		switch {
		case strings.TrimSpace(k) == "":
			return nil, errors.New("a variable has an empty name")
		case len(k) > MaxNameLen:
			return nil, fmt.Errorf("variable %.40q… has a name longer than the limit of %d bytes", k, MaxNameLen)
		}
		s, err := variableText(v)
		if err != nil {
			return nil, fmt.Errorf("variable %q: %v", k, err)
		}
		if len(s) > MaxValueLen {
			return nil, fmt.Errorf("variable %q is %d bytes long, more than the limit of %d", k, len(s), MaxValueLen)
		}
		vars[k] = s
	}
	return vars, nil
}

// variableText is one value of the body as text.
func variableText(v json.RawMessage) (string, error) {
	t := strings.TrimSpace(string(v))
	switch {
	case t == "null":
		return "", nil
	case strings.HasPrefix(t, `"`):
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case strings.HasPrefix(t, "{"), strings.HasPrefix(t, "["):
		return "", errors.New("is an object or an array: give each variable as a string")
	}
	return t, nil
}

// Handler serves the endpoint a Bright Pattern scenario calls with a Fetch
// URL block (POST, application/json, the shared secret in an Extra header,
// the interaction's variables as the body; see [ParseVariables]). It runs
// the scenario and answers:
//
//   - 200 with a JSON object of the variables the steps set (each member a
//     variable the block puts into the scenario: "ticket_id",
//     "caller.name", "caller.__count__"…) and [VarExit] "Next";
//   - 200 with an empty body when the scenario ended on No Data, which the
//     block takes as its No Data exit;
//   - 422 (the input or the scenario's settings: an unknown variable or
//     account) or 503 with Retry-After (Zendesk or the store failed, or
//     another call of the interaction is creating its ticket now) when it
//     ended on Failed, with [VarExit] and [VarError]: the block takes
//     Failed and keeps the body in $(fetchURLResultBody);
//   - 401 for a missing or wrong secret (or an address outside
//     Config.ScenarioAuth.AllowedSources, when set), 405 for a method but POST, 413 for
//     a body over Config.MaxBody, 400 for a body that is not variables.
//
// The exit is also in the [HeaderExit] header. The steps run on a context
// of their own ([Config].Timeout), not cancelled when Bright Pattern hangs
// up, and a retried call does not create a second ticket or note (see
// [Flow.Run]).
func (f *Flow) Handler() http.Handler { return http.HandlerFunc(f.serve) }

func (f *Flow) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	if err := f.cfg.ScenarioAuth.VerifyRequest(r, nil); err != nil {
		writeError(w, http.StatusUnauthorized, "the shared secret is missing or wrong")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, f.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than the limit of %d bytes", f.cfg.MaxBody))
			return
		}
		writeError(w, http.StatusBadRequest, "the body could not be read")
		return
	}
	vars, err := ParseVariables(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	// The steps run to their end (or Config.Timeout) even when Bright
	// Pattern hangs up: a run cut between creating a ticket and attaching
	// its data would leave a half-made ticket, and the retry then finds it
	// (see Run).
	res := f.Run(context.WithoutCancel(r.Context()), vars)
	switch res.Exit {
	case ExitNoData:
		writeNoData(w)
		return
	case ExitNext:
		writeAnswer(w, http.StatusOK, res.Exit, res.Variables, "")
	default:
		status := failedStatus(res.Outcome == flow.Rejected)
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", retryAfter())
		}
		msg := "the scenario failed"
		if res.Err != nil {
			msg = res.Err.Error()
		}
		writeAnswer(w, status, res.Exit, res.Variables, msg)
	}
}

// writeAnswer writes the variables, the exit and the error as one JSON
// object.
func writeAnswer(w http.ResponseWriter, status int, exit Exit, vars map[string]string, msg string) {
	out := make(map[string]string, len(vars)+2)
	for k, v := range vars {
		out[k] = v
	}
	out[VarExit] = string(exit)
	if msg != "" {
		out[VarError] = msg
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(HeaderExit, string(exit))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers a request that was not run.
func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{VarError: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
