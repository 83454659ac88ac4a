package brightpatterntest

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The Configuration API, base /configapi/v2:
//   - POST /configapi/v2/oauth/token, the client credentials grant
//     (https://help.brightpattern.com/5.2:Host-and-services-management-api-specification/RequestAccessToken):
//     a form body grant_type=client_credentials&client_id=<login id>&
//     client_secret=<API secret>&tenant=<tenant url>, answered
//     {"access_token","token_type":"Bearer","expires_in":"3599"} (a string).
//   - GET /configapi/v2/user/<login_id>, "Get User Data"
//     (https://help.brightpattern.com/5.2:User-management-api-specification/GetUserData),
//     with "Authorization: Bearer <access_token>".
//   - GET /configapi/v2/phone/user, "Export User Phone Numbers"
//     (https://help.brightpattern.com/5.2:User-management-api-specification/ExportUserPhoneNumbers):
//     a JSON array of every user, with extension, login id, names,
//     voiceMail and greeting; the Configuration API's only list of users.

const tokenPath = "/configapi/v2/oauth/token"

// TokenLifetime is how long an access token is accepted: the documented
// answer's expires_in, "3599" seconds.
const TokenLifetime = 3599 * time.Second

// User is a Bright Pattern user as Get User Data returns it. Empty fields
// are left out of the answer; Disabled and ChangePassword are always
// written.
type User struct {
	LoginID        string         `json:"loginId"`
	FirstName      string         `json:"firstName,omitempty"`
	LastName       string         `json:"lastName,omitempty"`
	Team           string         `json:"team,omitempty"`
	Extension      string         `json:"extension,omitempty"`
	Email          string         `json:"email,omitempty"`
	WorkPhone      string         `json:"workPhone,omitempty"`
	MobilePhone    string         `json:"mobilePhone,omitempty"`
	Disabled       bool           `json:"disabled"`
	ChangePassword bool           `json:"changePassword"`
	Skills         map[string]int `json:"skills,omitempty"`
	Roles          []string       `json:"roles,omitempty"`
	LoginInfo      *LoginInfo     `json:"loginInfo,omitempty"`
}

// LoginInfo is a user's loginInfo object. Bright Pattern lists its
// members without their types; the fake writes them as strings, but
// isLoggedIn, and leaves empty ones out.
type LoginInfo struct {
	IsLoggedIn      bool   `json:"isLoggedIn"`
	LastLogin       string `json:"lastLogin,omitempty"`
	LastLogout      string `json:"lastLogout,omitempty"`
	Browser         string `json:"browser,omitempty"`
	PhoneMode       string `json:"phoneMode,omitempty"`
	OS              string `json:"os,omitempty"`
	IPAddress       string `json:"ipAddress,omitempty"`
	UserAgent       string `json:"userAgent,omitempty"`
	ADHelperVersion string `json:"adHelperVersion,omitempty"`
	AppType         string `json:"appType,omitempty"`
	AppVersion      string `json:"appVersion,omitempty"`
}

func (u *User) clone() User {
	c := *u
	c.Skills = cloneMap(u.Skills)
	c.Roles = slices.Clone(u.Roles)
	if u.LoginInfo != nil {
		li := *u.LoginInfo
		c.LoginInfo = &li
	}
	return c
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ErrDuplicate is returned by [Server.AddUser] for a login id or an email
// that another user already has.
var ErrDuplicate = errors.New("brightpatterntest: already taken")

// AddUser adds a user (an agent, typically: give it Roles {"Agent"} and the
// email of its Zendesk user). LoginID is required; a login id or an email
// (compared without case) another user has is refused with [ErrDuplicate].
func (s *Server) AddUser(u User) error {
	if strings.TrimSpace(u.LoginID) == "" {
		return errors.New("brightpatterntest: AddUser: LoginID is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.LoginID]; ok {
		return fmt.Errorf("%w: login id %q", ErrDuplicate, u.LoginID)
	}
	email := strings.ToLower(u.Email)
	if email != "" {
		if _, ok := s.byEmail[email]; ok {
			return fmt.Errorf("%w: email %q", ErrDuplicate, u.Email)
		}
		s.byEmail[email] = u.LoginID
	}
	c := u.clone()
	s.users[u.LoginID] = &c
	return nil
}

// User returns the user with loginID.
func (s *Server) User(loginID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[loginID]
	if !ok {
		return User{}, false
	}
	return u.clone(), true
}

// UserByEmail returns the user with email, compared without case: the
// link the Zendesk integration relies on (the same user in both systems,
// with the same email).
func (s *Server) UserByEmail(email string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, ok := s.byEmail[strings.ToLower(email)]
	if !ok {
		return User{}, false
	}
	return s.users[login].clone(), true
}

// RevokeTokens makes every issued access token invalid, as if each had
// expired.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   string `json:"expires_in"`
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "the form body does not parse")
		return
	}
	if g := form.Get("grant_type"); g != "client_credentials" {
		writeTokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if !sameTenant(form.Get("tenant"), s.TenantURL) {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", "unknown tenant")
		return
	}
	if !equalSecret(form.Get("client_id"), s.ClientID) || !equalSecret(form.Get("client_secret"), s.ClientSecret) {
		writeTokenError(w, http.StatusUnauthorized, "invalid_client", "bad client credentials")
		return
	}
	tok := randomHex(24)
	s.mu.Lock()
	now := s.now()
	for t, exp := range s.tokens { // keep the map bounded by the live tokens
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
	s.tokens[tok] = now.Add(TokenLifetime)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: fmt.Sprint(int(TokenLifetime / time.Second))})
}

// authorized reports whether r carries a live access token; it answers 401
// when not.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		writeConfigError(w, http.StatusUnauthorized, "missing bearer token")
		return false
	}
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	live := ok && s.now().Before(exp)
	s.mu.Unlock()
	if !live {
		writeConfigError(w, http.StatusUnauthorized, "invalid or expired access token")
		return false
	}
	return true
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	u, ok := s.User(r.PathValue("loginId"))
	if !ok {
		writeConfigError(w, http.StatusNotFound, "user not found")
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// listUserPhones answers Export User Phone Numbers: every user, in
// login id order, as the 5.2 page's example writes them (the login id's
// key: [userPhoneLoginKey]).
func (s *Server) listUserPhones(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	logins := make([]string, 0, len(s.users))
	for id := range s.users {
		logins = append(logins, id)
	}
	slices.Sort(logins)
	out := make([]map[string]any, 0, len(logins))
	for _, id := range logins {
		u := s.users[id]
		m := map[string]any{userPhoneLoginKey(): u.LoginID, "voiceMail": false, "greeting": false}
		for k, v := range map[string]string{"extension": u.Extension, "firstName": u.FirstName, "lastName": u.LastName} {
			if v != "" {
				m[k] = v
			}
		}
		out = append(out, m)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// equalSecret compares a presented credential with the expected one in
// constant time (neither length nor content shows in the timing).
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1 && want != ""
}
