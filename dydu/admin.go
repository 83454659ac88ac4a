package dydu

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// AdminService calls Dydu's admin web services with HTTP Basic
// authentication ([WithAdminCredentials]), as Dydu documents
// (https://docs-en.dydu.ai/developers/api-reference/authentication). Dydu
// lists the groups of these services (Account, Competencies, Knowledge
// base, Operators availability…,
// https://docs-en.dydu.ai/developers/api-reference/access-to-apis) but
// their paths and bodies are only in each BMS's own swagger: every call
// here rests on a guess, named in the package's unconfirmed facts.
type AdminService struct{ client *Client }

// ErrNoAdminCredentials is returned by an admin call on a client built
// without [WithAdminCredentials]; it matches [deskbridge.ErrInvalid].
var ErrNoAdminCredentials = fmt.Errorf("dydu: the admin web services need WithAdminCredentials (a BMS login and password): %w", deskbridge.ErrInvalid)

// Competency is a livechat skill ("compétence") of the bot: the Zendesk
// connector routes an escalation to the Zendesk group of the same name
// (https://docs-en.dydu.ai/livechat/zendesk-livechat-connector).
type Competency struct {
	ID   string
	Name string
}

// Competencies lists the bot's livechat competencies (skills), for the
// escalation flow's Zendesk groups.
//
// UNCONFIRMED: path, method and answer shape (see competenciesCall in
// unconfirmed.go).
func (s *AdminService) Competencies(ctx context.Context) ([]Competency, error) {
	c := s.client
	if !c.hasAdmin {
		return nil, ErrNoAdminCredentials
	}
	body, err := c.do(ctx, &call{op: "Admin.Competencies", req: &rest.Request{Method: http.MethodGet, Path: competenciesPath(c.botID)}, safe: true, admin: true})
	if err != nil {
		return nil, err
	}
	out, err := decodeCompetencies(body)
	if err != nil {
		return nil, fmt.Errorf("dydu: Admin.Competencies: %w", err)
	}
	return out, nil
}

var errNoCompetencies = errors.New("the answer holds no list of competencies")
