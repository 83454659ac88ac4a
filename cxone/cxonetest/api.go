package cxonetest

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const servicesPrefix = "/inContactAPI/services/"

type versionKey struct{}

// version is the ACD API version of the request's path (23 for v23.0).
func version(r *http.Request) int { v, _ := r.Context().Value(versionKey{}).(int); return v }

var versionRE = regexp.MustCompile(`^v([0-9]{1,3})\.0$`)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+openIDPath, s.openIDConfiguration)
	mux.HandleFunc("GET "+discoveryPath, s.cxoneConfiguration)
	mux.HandleFunc("POST "+tokenPath, s.token)

	api := func(pattern string, since int, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.Handle(method+" "+servicesPrefix+"{version}"+path, s.authenticated(versioned(since, h)))
	}
	api("GET /agents", 2, s.listAgents)
	api("GET /agents/{id}", 2, s.getAgent)
	api("GET /agents/{id}/skills", 2, s.agentSkills)
	api("GET /agents/states", 2, s.listAgentStates)
	api("GET /agents/{id}/states", 2, s.getAgentState)
	api("GET /teams", 2, s.listTeams)
	api("GET /teams/{id}", 2, s.getTeam)
	api("GET /teams/{id}/agents", 2, s.teamAgents)
	api("GET /teams/{id}/unavailable-codes", 2, s.teamCodes)
	api("GET /skills", 2, s.listSkills)
	api("GET /skills/{id}", 2, s.getSkill)
	api("GET /skills/{id}/dispositions", 2, s.skillDispositions)
	api("GET /dispositions", 2, s.listDispositions)
	api("GET /dispositions/{id}", 2, s.getDisposition)
	api("GET /unavailable-codes", 2, s.listCodes)
	api("GET /unavailable-codes/{id}", 2, s.getCode)
	api("GET /contacts/active", 2, s.listActive)
	api("GET /contacts/completed", 2, s.listCompleted)
	api("GET /contacts/{id}", 2, s.getContact)
	api("GET /contacts/{id}/custom-data", 2, s.contactCustomData)
	api("GET /contacts/{id}/state-history", 2, s.contactHistory)
	api("POST /contacts/{id}/tags", 2, s.addTags)
	api("POST /agent-sessions", 2, s.startSession)
	api("POST /agent-sessions/join", 2, s.joinSession)
	api("DELETE /agent-sessions/{sid}", 2, s.endSession)
	api("GET /agent-sessions/{sid}/get-next-event", 2, s.getNextEvent)
	api("POST /agent-sessions/{sid}/state", 2, s.sessionState)
	api("POST /agent-sessions/{sid}/interactions/{id}/disposition", 2, s.sessionDisposition)
	api("POST /agent-sessions/{sid}/interactions/{id}/custom-data", 2, s.sessionCustomData)
	api("POST /agent-sessions/{sid}/interactions/{id}/end", 2, s.sessionEnd)
	mux.Handle("GET /media-playback/v1/contacts", s.authenticated(http.HandlerFunc(s.mediaPlayback)))
	mux.Handle("GET /media-playback/recordings/{file}", s.authenticated(http.HandlerFunc(s.recording)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "NotFound", "no such resource: "+r.Method+" "+r.URL.Path)
	})
	// The ACD path's casing varies in CXone's own material
	// (inContactAPI, incontactapi): the fake takes any.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > len(servicesPrefix) && strings.EqualFold(p[:len(servicesPrefix)], servicesPrefix) && p[:len(servicesPrefix)] != servicesPrefix {
			r2 := *r
			u := *r.URL
			u.Path, u.RawPath = servicesPrefix+p[len(servicesPrefix):], ""
			r2.URL = &u
			r = &r2
		}
		mux.ServeHTTP(w, r)
	})
}

// versioned serves h at versions since..latestVersion, 404 otherwise.
func versioned(since int, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := versionRE.FindStringSubmatch(r.PathValue("version"))
		v := 0
		if m != nil {
			v, _ = strconv.Atoi(m[1])
		}
		if v < since || v > latestVersion {
			apiError(w, http.StatusNotFound, "NotFound", "the API is not served at version "+r.PathValue("version"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), versionKey{}, v)))
	})
}

// pathID reads the {id} path value, answering 400 when it is no id.
func pathID(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		apiError(w, http.StatusBadRequest, "InvalidParameter", what+" id "+strconv.Quote(r.PathValue("id"))+" is not a positive integer")
		return 0, false
	}
	return id, true
}

func notFound(w http.ResponseWriter, what string, id int64) {
	apiError(w, http.StatusNotFound, "NotFound", what+" "+strconv.FormatInt(id, 10)+" does not exist")
}

// page is a list request's paging and filters.
type page struct {
	skip, top int
	fields    []string
	q         url.Values
}

// readPage reads skip, top and fields, answering 400 for bad values.
func readPage(w http.ResponseWriter, r *http.Request) (*page, bool) {
	q := r.URL.Query()
	p := &page{top: defaultTop, q: q}
	for name, dst := range map[string]*int{"skip": &p.skip, "top": &p.top} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || name == "top" && n == 0 {
				apiError(w, http.StatusBadRequest, "InvalidParameter", name+" "+strconv.Quote(v)+" is not a valid number")
				return nil, false
			}
			*dst = n
		}
	}
	p.top = min(p.top, maxTop)
	if f := q.Get("fields"); f != "" {
		for name := range strings.SplitSeq(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				p.fields = append(p.fields, name)
			}
		}
	}
	return p, true
}

// readTime reads a time query parameter, answering 400 when it does not
// parse.
func readTime(w http.ResponseWriter, q url.Values, name string) (time.Time, bool) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	apiError(w, http.StatusBadRequest, "InvalidParameter", name+" "+strconv.Quote(v)+" is not an ISO 8601 date")
	return time.Time{}, false
}

// queryInt reads an integer filter; ok is false (400 answered) when it
// does not parse. Absent is 0.
func queryInt(w http.ResponseWriter, q url.Values, name string) (int64, bool) {
	v := q.Get(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameter", name+" "+strconv.Quote(v)+" is not an integer")
		return 0, false
	}
	return n, true
}

// queryBool reads a boolean filter: nil when absent.
func queryBool(w http.ResponseWriter, q url.Values, name string) (*bool, bool) {
	v := q.Get(name)
	if v == "" {
		return nil, true
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidParameter", name+" "+strconv.Quote(v)+" is not true or false")
		return nil, false
	}
	return &b, true
}

// writeList answers one page of items under key: 204 without a body when
// the list is empty, else {"businessUnitId", "lastPollTime",
// "totalRecords", "_links": {"self", "next"?, "previous"?}, key: […]},
// with extra members.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, p *page, key string, all []map[string]any, extra map[string]any) {
	if len(all) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	total := len(all)
	start := min(p.skip, total)
	end := min(start+p.top, total)
	items := all[start:end]
	if len(items) == 0 { // skipped past the end: an empty page
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if len(p.fields) > 0 {
		for _, it := range items {
			for k := range it {
				if !slices.Contains(p.fields, k) {
					delete(it, k)
				}
			}
		}
	}
	links := map[string]any{"self": s.pageURL(r, p.skip)}
	if end < total {
		links["next"] = s.pageURL(r, end)
	}
	if start > 0 {
		links["previous"] = s.pageURL(r, max(start-p.top, 0))
	}
	body := map[string]any{
		"businessUnitId": DefaultBusinessUnitID,
		"lastPollTime":   formatTime(s.now()),
		"totalRecords":   total,
		"_links":         links,
		key:              items,
	}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

// pageURL is the absolute URL of the request with skip set.
func (s *Server) pageURL(r *http.Request, skip int) string {
	q := r.URL.Query()
	q.Set("skip", strconv.Itoa(skip))
	if q.Get("top") == "" {
		q.Set("top", strconv.Itoa(defaultTop))
	}
	return s.URL + r.URL.Path + "?" + q.Encode()
}

// writeOne answers one record: {"businessUnitId", "lastPollTime", key:
// [item]}.
func (s *Server) writeOne(w http.ResponseWriter, key string, item map[string]any) {
	writeJSON(w, http.StatusOK, map[string]any{
		"businessUnitId": DefaultBusinessUnitID,
		"lastPollTime":   formatTime(s.now()),
		key:              []map[string]any{item},
	})
}

// formatTime writes a time as CXone does: UTC, milliseconds, Z.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
