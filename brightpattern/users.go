package brightpattern

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// UsersService reads users through the Configuration API
// (https://help.brightpattern.com/5.2:User-management-api-specification/GetUserData).
// An integration needs it to match a Bright Pattern agent with the Zendesk
// user of the same email, which is the integration's prerequisite
// (https://help.brightpattern.com/5.8:Zendesk-integration-guide/SingleSign-OnSetup).
type UsersService service

// User is a Bright Pattern user as Get User Data returns it.
type User struct {
	LoginID     string `json:"loginId"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Team        string `json:"team,omitempty"`
	Extension   Text   `json:"extension,omitempty"`
	Email       string `json:"email,omitempty"`
	WorkPhone   string `json:"workPhone,omitempty"`
	MobilePhone string `json:"mobilePhone,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	// ChangePassword is set when the user must change the password at the
	// next login.
	ChangePassword bool `json:"changePassword,omitempty"`
	// Skills holds the user's skill levels (0 to 100), by skill name.
	Skills map[string]int `json:"skills,omitempty"`
	// Roles names the user's roles: "Agent", "Supervisor"…
	Roles []string `json:"roles,omitempty"`
	// LoginInfo is the user's login state.
	LoginInfo *LoginInfo `json:"loginInfo,omitempty"`
}

// LoginInfo is a user's login state. The form of the times is not
// documented; they are kept as sent.
type LoginInfo struct {
	IsLoggedIn      bool            `json:"isLoggedIn,omitempty"`
	LastLogin       json.RawMessage `json:"lastLogin,omitempty"`
	LastLogout      json.RawMessage `json:"lastLogout,omitempty"`
	Browser         string          `json:"browser,omitempty"`
	PhoneMode       string          `json:"phoneMode,omitempty"`
	OS              string          `json:"os,omitempty"`
	IPAddress       string          `json:"ipAddress,omitempty"`
	UserAgent       string          `json:"userAgent,omitempty"`
	ADHelperVersion string          `json:"adHelperVersion,omitempty"`
	AppType         string          `json:"appType,omitempty"`
	AppVersion      string          `json:"appVersion,omitempty"`
}

// HasRole reports whether the user has the role, compared without regard
// to case.
func (u *User) HasRole(role string) bool {
	for _, r := range u.Roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

// Text is a JSON value that Bright Pattern may write as a string or a
// number (an extension); it reads either and writes a string.
type Text string

// UnmarshalJSON reads a string, a number, or null (the empty Text).
func (t *Text) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*t = ""
		return nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*t = Text(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", rest.Snippet(b, 40))
	}
	*t = Text(n.String())
	return nil
}

// Get returns the user with the login id: GET /configapi/v2/user/{login}.
// An unknown login is an error matching [deskbridge.ErrNotFound].
func (s *UsersService) Get(ctx context.Context, loginID string) (*User, error) {
	rc := s.client.config
	if rc == nil {
		return nil, errNoConfigCred
	}
	if strings.TrimSpace(loginID) == "" {
		return nil, refusef("user login id is empty")
	}
	return rest.Get[User](ctx, rc, rest.Pathf("/configapi/v2/user/%s", loginID), nil, "")
}

// UserPhone is one user as Export User Phone Numbers lists them
// (https://help.brightpattern.com/5.2:User-management-api-specification/ExportUserPhoneNumbers).
type UserPhone struct {
	// LoginID is the user's login.
	LoginID string
	// Extension is the user's phone extension; External the access
	// number (DID) assigned to it.
	Extension, External Text
	FirstName, LastName string
	// VoiceMail is set when the user has voicemail; Greeting when a
	// voicemail greeting is set up.
	VoiceMail, Greeting bool
}

// UnmarshalJSON reads a listed user, its login id under either key the
// pages show ([userPhoneLogin]).
func (u *UserPhone) UnmarshalJSON(b []byte) error {
	var w struct {
		LoginID   string `json:"loginId"`
		LoginIDs  string `json:"login_id"`
		Extension Text   `json:"extension"`
		External  Text   `json:"external"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		VoiceMail bool   `json:"voiceMail"`
		Greeting  bool   `json:"greeting"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = UserPhone{LoginID: userPhoneLogin(w.LoginID, w.LoginIDs), Extension: w.Extension, External: w.External,
		FirstName: w.FirstName, LastName: w.LastName, VoiceMail: w.VoiceMail, Greeting: w.Greeting}
	return nil
}

// List returns the users Export User Phone Numbers lists: GET
// /configapi/v2/phone/user, the Configuration API's only list of users
// (it has no search by email). It gives login ids and names; [UsersService.Get]
// gives a user's email and roles. Whether it lists users without an
// extension is not documented.
func (s *UsersService) List(ctx context.Context) ([]UserPhone, error) {
	rc := s.client.config
	if rc == nil {
		return nil, errNoConfigCred
	}
	list, err := rest.Get[[]UserPhone](ctx, rc, "/configapi/v2/phone/user", nil, "")
	if err != nil {
		return nil, err
	}
	return *list, nil
}

// Directory resolves the logins of the agents an integration works with
// ([UsersService.Directory]) to their emails and back.
type Directory struct {
	byLogin map[string]*User
	byEmail map[string]*User
}

// Directory reads the users with the given logins (one Get each, in
// order) and returns them as a [Directory]. The Configuration API has no
// documented way to find a user by email, and lists users by login only
// ([UsersService.List]), so the logins are the caller's. The first error
// stops it.
func (s *UsersService) Directory(ctx context.Context, loginIDs ...string) (*Directory, error) {
	users := make([]*User, 0, len(loginIDs))
	for _, id := range loginIDs {
		u, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return NewDirectory(users...), nil
}

// NewDirectory indexes users by login id and by email (without regard to
// case). A user without an email is found by login only; when two users
// share an email the first wins.
func NewDirectory(users ...*User) *Directory {
	d := &Directory{byLogin: make(map[string]*User, len(users)), byEmail: make(map[string]*User, len(users))}
	for _, u := range users {
		if u == nil {
			continue
		}
		d.byLogin[strings.ToLower(u.LoginID)] = u
		if e := strings.ToLower(strings.TrimSpace(u.Email)); e != "" {
			if _, dup := d.byEmail[e]; !dup {
				d.byEmail[e] = u
			}
		}
	}
	return d
}

// Email returns the email of the agent with the login id.
func (d *Directory) Email(loginID string) (string, bool) {
	u, ok := d.byLogin[strings.ToLower(loginID)]
	if !ok || u.Email == "" {
		return "", false
	}
	return u.Email, true
}

// Login returns the login id of the agent with the email.
func (d *Directory) Login(email string) (string, bool) {
	u, ok := d.byEmail[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return "", false
	}
	return u.LoginID, true
}

// Logins returns the login ids the directory holds, sorted.
func (d *Directory) Logins() []string {
	out := make([]string, 0, len(d.byLogin))
	for _, u := range d.byLogin {
		out = append(out, u.LoginID)
	}
	slices.Sort(out)
	return out
}

// User returns the user with the login id.
func (d *Directory) User(loginID string) (*User, bool) {
	u, ok := d.byLogin[strings.ToLower(loginID)]
	return u, ok
}
