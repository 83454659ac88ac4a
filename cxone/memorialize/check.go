package memorialize

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Check reads both accounts and says what is misconfigured, each problem a
// [*flow.ConfigError] with what to fix, all of them joined (walk them with
// [flow.Problems]); nil means everything it can see is in place:
//
//   - Zendesk: the credential, and whose it is: CXone's page asks for a
//     dedicated system user, since a CRM configuration dies with the user
//     who made it; Check warns when the credential is an agent's (or, when
//     Config.SystemUser is set, anyone else's);
//   - Zendesk: every custom field the mappings name exists, and is a text
//     field;
//   - CXone: the credential, and the Reporting API (one completed contact
//     read).
//
// A side that cannot be read (a network error, a 5xx) is an error beside
// the problems (see [flow.CheckReader]), not a misconfiguration.
func (f *Flow) Check(ctx context.Context) error {
	p := flow.Collector{Flow: "memorialize"}
	r := flow.CheckReader{Problems: &p}
	if me, err := f.cfg.Zendesk.Users.Me(ctx); r.Read("Config.Zendesk", err) {
		checkSystemUser(&p, me, f.cfg.SystemUser)
		f.checkFields(ctx, &r)
	}
	_, err := f.cfg.CXone.Contacts.CompletedPage(ctx, &cxone.CompletedContactListOptions{
		UpdatedSince: f.cfg.Now().Add(-f.cfg.Lookback), ListOptions: cxone.ListOptions{Top: 1}})
	r.Read("Config.CXone", err)
	return r.Err()
}

// checkSystemUser reports a Zendesk credential that is not a dedicated
// system user's.
func checkSystemUser(p *flow.Collector, me *zendesk.User, want string) {
	who := fmt.Sprintf("%s <%s> (role %s)", me.Name, me.Email, me.Role)
	switch {
	case want != "" && !strings.EqualFold(me.Email, want):
		p.Add("Config.Zendesk", who, "is not the system user "+want,
			"build the Zendesk client with the credential of "+want+": CXone's page asks for a dedicated system user, so that the integration does not die with a person's account")
	case slices.Contains(agentRoles(), me.Role):
		p.Add("Config.Zendesk", who, "belongs to an agent, not to a dedicated system user: if that agent is deleted or suspended, the integration stops",
			"create a Zendesk user for the integration alone (admin, or read on every record and field and write on tickets and users) and use its credential")
	}
}

// checkFields reports the custom fields of the mappings that Zendesk
// lacks or that are not text.
func (f *Flow) checkFields(ctx context.Context, r *flow.CheckReader) {
	p := r.Problems
	for _, n := range neededFields(f.cfg.Mapping, f.cfg.Dynamic) {
		var typ string
		var err error
		switch {
		case n.rt == Ticket && n.ID != 0:
			var tf *zendesk.TicketField
			if tf, err = f.cfg.Zendesk.TicketFields.Get(ctx, n.ID); err == nil {
				typ = tf.Type
			}
		case n.rt == Ticket:
			var tf *zendesk.TicketField
			if tf, err = f.cfg.Zendesk.TicketFields.FindByTitle(ctx, n.Title); err == nil {
				typ = tf.Type
			}
		default:
			var uf *zendesk.UserField
			if uf, err = f.cfg.Zendesk.UserFields.FindByKey(ctx, n.Key); err == nil {
				typ = cmp.Or(uf.Type, zendesk.FieldText)
			}
		}
		switch {
		case errors.Is(err, deskbridge.ErrNotFound):
			p.Add("Zendesk "+n.String(), "", "does not exist", "run Provision (memorialize.Provision), which creates it")
		case !r.Read("Config.Zendesk", err):
		case typ != zendesk.FieldText && typ != zendesk.FieldTextarea:
			p.Add("Zendesk "+n.String(), typ, "is not a text field; the flow writes text only", "map a text or multi-line field")
		}
	}
}
