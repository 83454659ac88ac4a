package statussync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// MappingTable is the mapping in effect between two accounts, as
// [Flow.MappingInEffect] found it.
type MappingTable struct {
	// ZendeskToBabelforce has a row per Zendesk channel state and unified
	// status (default and custom).
	ZendeskToBabelforce []MappingRow
	// BabelforceToZendesk has a row per babelforce presence.
	BabelforceToZendesk []MappingRow
}

// MappingRow is one line of the mapping in effect.
type MappingRow struct {
	From, To string
	// Note says how To was found: "override", "fallback", "by label" (the
	// presence's name is not the normalised name), "missing".
	Note string
}

// String formats the report as two tables.
func (r *MappingTable) String() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Zendesk state or status\t→ babelforce presence\t")
	for _, row := range r.ZendeskToBabelforce {
		fmt.Fprintf(tw, "  %s\t→ %s\t%s\n", row.From, row.To, row.Note)
	}
	fmt.Fprintln(tw, "babelforce presence\t→ Zendesk status\t")
	for _, row := range r.BabelforceToZendesk {
		fmt.Fprintf(tw, "  %s\t→ %s\t%s\n", row.From, row.To, row.Note)
	}
	tw.Flush()
	return b.String()
}

// Check reads both accounts and says what is misconfigured, each problem a
// [*flow.ConfigError] with what to fix, all of them joined (walk them with
// [flow.Problems]); nil means everything it can see is in place:
//
//   - Zendesk: the client's credentials (its own user); an active webhook
//     subscribed to [AgentEvents], either calling the flow (whose signing
//     secret must then be one of Config.ZendeskSecrets, or
//     ZendeskHandler answers its deliveries 401) or babelforce's own
//     endpoint ([BabelforceEndpoint], the status-sync article's set-up,
//     which needs no secret of the flow's);
//   - babelforce: the client's credentials (through its presences);
//   - the mapping in effect between the two ([Flow.MappingInEffect]): a
//     Zendesk state or status with no babelforce presence to map to
//     (create the red presence, which [Provision] does, or map it); an
//     override naming a presence, status or state that does not exist; a
//     mapping that makes a red state green (a Zendesk status that is not
//     online on the driving channel mapped to "available", or a red
//     presence mapped to a Zendesk status that is online on it); a
//     fallback status that does not exist.
//
// A presence that babelforce named otherwise than [NormalizeName] but whose
// label matches is used by its name from then on ("by label"). A side that
// cannot be read (a network error, a 5xx, an unexpected answer) is
// reported as its error, joined, not as a misconfiguration; credentials
// refused (401, 403, or an OAuth grant refused) are a misconfiguration of
// Config.Zendesk or Config.Babelforce. The mapping is checked only when
// both sides can be read.
func (f *Flow) Check(ctx context.Context) error {
	p := flow.Collector{Flow: flowName}
	r := flow.CheckReader{Problems: &p}
	zendeskOK := false
	if _, err := f.cfg.Zendesk.Users.Me(ctx); r.Read("Config.Zendesk", err) {
		zendeskOK = f.checkWebhook(ctx, &r)
	}
	_, err := f.cfg.Babelforce.Presences.List(ctx)
	if r.Read("Config.Babelforce", err) && zendeskOK {
		_, err := f.inspect(ctx)
		r.Include(err)
	}
	return r.Err()
}

// babelforceWebhookPath is the path of babelforce's own Zendesk webhook
// endpoint (see [BabelforceEndpoint]).
const babelforceWebhookPath = "/api/v1/webhook/zendesk"

// checkWebhook checks the Zendesk webhooks that send agent events, once
// the client's credentials work; it reports false when Zendesk could not
// be read.
func (f *Flow) checkWebhook(ctx context.Context, r *flow.CheckReader) bool {
	zc, p := f.cfg.Zendesk, r.Problems
	toBabelforce := strings.TrimRight(f.cfg.Babelforce.BaseURL(), "/") + babelforceWebhookPath
	events := AgentEvents()
	var active int
	for w, err := range zc.Webhooks.List(ctx, nil) {
		if !r.Read("Config.Zendesk", err) {
			return false
		}
		if !slices.ContainsFunc(w.Subscriptions, func(ev string) bool { return slices.Contains(events, ev) }) {
			continue
		}
		field := fmt.Sprintf("Zendesk webhook %q", w.Name)
		if w.Status != "" && w.Status != zendesk.WebhookActive {
			p.Add(field, w.Status, "is not active, so no agent status change reaches the flow",
				"run statussync.Provision, or activate it in Admin Center > Apps and integrations > Webhooks")
			continue
		}
		active++
		for _, ev := range events {
			if !slices.Contains(w.Subscriptions, ev) {
				p.Add(field, "", "is not subscribed to "+ev+", so those changes do not reach the flow", "run statussync.Provision, which subscribes it to both agent events")
			}
		}
		if strings.HasPrefix(w.Endpoint, toBabelforce) {
			continue // babelforce's template takes the events: no secret of the flow's
		}
		if !r.CheckSigningSecret(ctx, zc, w, "Config.ZendeskSecrets", f.cfg.ZendeskSecrets) {
			return false
		}
	}
	if active == 0 {
		p.Add("Zendesk webhook", "", "no active webhook sends agent status events ("+strings.Join(events, ", ")+")",
			"run statussync.Provision with Endpoint the public URL of the flow's ZendeskHandler")
	}
	return true
}

// MappingInEffect reads both sides as [Flow.Check] does and returns the
// mapping in effect between them, one row per Zendesk state or status and
// per babelforce presence, with the problems Check reports (joined, as
// Check returns them); a side that cannot be read is returned as its
// error, with a nil table.
func (f *Flow) MappingInEffect(ctx context.Context) (*MappingTable, error) {
	return f.inspect(ctx)
}

// inspect is Check and MappingInEffect.
func (f *Flow) inspect(ctx context.Context) (*MappingTable, error) {
	f.statusMu.Lock()
	err := f.loadStatusesLocked(ctx)
	statuses := f.statuses
	f.statusMu.Unlock()
	if err != nil {
		return nil, err
	}
	presences, err := f.cfg.Babelforce.Presences.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("statussync: reading babelforce presences: %w", err)
	}
	m := f.m
	ch := m.Channel
	rep := &MappingTable{}
	p := flow.Collector{Flow: flowName}
	add := p.Add
	names := presenceNames(presences)

	// Zendesk → babelforce.
	type source struct {
		name, drive string
		status      *zendesk.UnifiedStatus
	}
	var sources []source
	seen := map[string]bool{}
	for _, s := range channelStates {
		sources = append(sources, source{name: s, drive: s})
		seen[s] = true
	}
	for _, st := range statuses {
		if n := NormalizeName(st.Name); !seen[n] {
			seen[n] = true
			sources = append(sources, source{name: st.Name, drive: ChannelState(st, ch), status: st})
		}
	}
	for _, k := range sortedKeys(m.Presences) {
		if !seen[k] {
			add(fmt.Sprintf("Mapping.Presences[%q]", k), m.Presences[k], "names no Zendesk channel state or unified status",
				"remove the entry, or create the Zendesk status first")
		}
	}
	for _, s := range sources {
		target := m.Presence(s.name)
		_, overridden := m.lookup(m.Presences, NormalizeName(s.name))
		field := fmt.Sprintf("Zendesk status %q", s.name)
		if overridden {
			field = fmt.Sprintf("Mapping.Presences[%q]", s.name)
		}
		row := MappingRow{From: s.name, To: target}
		if overridden {
			row.Note = "override"
		}
		if s.status != nil {
			row.From = statusLabel(s.status)
		}
		if NormalizeName(target) == babelforce.AvailablePresence && s.drive != zendesk.AgentStateOnline {
			add(field, target, fmt.Sprintf("makes a red Zendesk status green: it is %s on the %s channel, and %q is babelforce's only green presence", orDash(s.drive), ch, target),
				fmt.Sprintf("map %q to a red presence in Mapping.Presences, such as %q", s.name, NormalizeName(s.name)))
		}
		p := findPresence(presences, target)
		switch {
		case p == nil && overridden:
			row.Note = "missing"
			add(field, target, fmt.Sprintf("names the babelforce presence %q, which does not exist", target),
				fmt.Sprintf("create it in babelforce, or map %q to one of %s", s.name, names))
		case p == nil:
			row.Note = "missing"
			add(field, "", fmt.Sprintf("has no babelforce presence %q to map to", target),
				fmt.Sprintf("create a red presence labelled %q in babelforce (statussync.Provision does), or add Mapping.Presences[%q] naming one of %s", s.name, s.name, names))
		case NormalizeName(p.Name) != NormalizeName(target):
			row.To, row.Note = p.Name, "by label"
			f.setAlias(target, p.Name)
		}
		rep.ZendeskToBabelforce = append(rep.ZendeskToBabelforce, row)
	}

	// babelforce → Zendesk.
	for _, k := range sortedKeys(m.Statuses) {
		if findPresence(presences, k) == nil {
			add(fmt.Sprintf("Mapping.Statuses[%q]", k), m.Statuses[k], "names no babelforce presence",
				fmt.Sprintf("remove the entry, or name one of %s", names))
		}
	}
	if findStatus(statuses, m.Fallback) == nil {
		add("Mapping.Fallback", m.Fallback, "names no Zendesk unified status",
			fmt.Sprintf("name one of %s", statusNames(statuses)))
	}
	for _, p := range presences {
		if p == nil {
			continue
		}
		known := f.unalias(p.Name) // the name the mapping knows it by
		name, _ := m.StatusName(known)
		_, overridden := m.lookup(m.Statuses, NormalizeName(known))
		field := fmt.Sprintf("babelforce presence %q", p.Name)
		if overridden {
			field = fmt.Sprintf("Mapping.Statuses[%q]", p.Name)
		}
		row := MappingRow{From: p.Name}
		st, fellBack, err := m.Status(known, statuses)
		switch {
		case err != nil && overridden:
			row.To, row.Note = name, "missing"
			add(field, name, fmt.Sprintf("names the Zendesk status %q, which does not exist", name),
				fmt.Sprintf("create it in Zendesk, or name one of %s", statusNames(statuses)))
		case err != nil:
			row.To, row.Note = m.Fallback, "missing"
		default:
			row.To = statusLabel(st)
			switch {
			case fellBack:
				row.Note = "fallback"
			case overridden:
				row.Note = "override"
			}
			if !p.Available && ChannelState(st, ch) == zendesk.AgentStateOnline {
				add(field, st.Name, fmt.Sprintf("makes the red presence %q green in Zendesk: status %q is online on the %s channel", p.Name, st.Name, ch),
					fmt.Sprintf("map %q in Mapping.Statuses to a status that is not online on %s, such as %q", p.Name, ch, m.Fallback))
			}
		}
		rep.BabelforceToZendesk = append(rep.BabelforceToZendesk, row)
	}
	return rep, p.Err()
}

func presenceNames(list []*babelforce.Presence) string {
	var names []string
	for _, p := range list {
		if p != nil {
			names = append(names, strconv.Quote(p.Name))
		}
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func statusNames(list []*zendesk.UnifiedStatus) string {
	var names []string
	for _, s := range list {
		names = append(names, strconv.Quote(s.Name))
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// AgentComparison is one agent's state on both sides, as Compare read it.
type AgentComparison struct {
	ZendeskAgentID    int64
	BabelforceAgentID string
	Name              string
	// ZendeskStatus is the agent's unified status name; ZendeskChannel the
	// state of the driving channel.
	ZendeskStatus, ZendeskChannel string
	// Presence is the agent's babelforce presence.
	Presence string
	// Consistent reports that the two agree under the mapping: the
	// presence is what the unified status or the driving channel's state
	// maps to, or the Zendesk status is what the presence maps to (a red
	// presence with no status of its name, shown as the fallback).
	Consistent bool
	// Err is the error reading the agent's Zendesk availability, if any.
	Err error
}

// Compare reads every babelforce agent whose sourceId is a Zendesk user id
// and that agent's Zendesk availability, and reports whether each pair is
// consistent under the mapping. It is for audits, demos and tests; it
// changes nothing.
func (f *Flow) Compare(ctx context.Context) ([]AgentComparison, error) {
	statuses, err := f.loadedStatuses(ctx)
	if err != nil {
		return nil, err
	}
	var out []AgentComparison
	for a, err := range f.cfg.Babelforce.Agents.List(ctx, &babelforce.AgentListOptions{Max: pollPageSize}) {
		if err != nil {
			return out, fmt.Errorf("statussync: listing babelforce agents: %w", err)
		}
		zid, perr := strconv.ParseInt(strings.TrimSpace(a.SourceID), 10, 64)
		if perr != nil || zid <= 0 {
			continue
		}
		c := AgentComparison{ZendeskAgentID: zid, BabelforceAgentID: a.ID, Name: a.Name}
		if a.Presence != nil {
			c.Presence = a.Presence.Name
		}
		av, err := f.cfg.Zendesk.Availability.Get(ctx, zid)
		if err != nil {
			if !errors.Is(err, deskbridge.ErrNotFound) {
				return out, fmt.Errorf("statussync: reading Zendesk agent %d: %w", zid, err)
			}
			c.Err = err
			out = append(out, c)
			continue
		}
		if av.AgentStatus != nil {
			c.ZendeskStatus = av.AgentStatus.Name
		}
		if chn := av.Channel(f.m.Channel); chn != nil {
			c.ZendeskChannel = chn.Status
		}
		c.Consistent = f.consistent(c, statuses)
		out = append(out, c)
	}
	return out, nil
}

// consistent reports whether a comparison's two sides agree.
func (f *Flow) consistent(c AgentComparison, statuses []*zendesk.UnifiedStatus) bool {
	if c.Presence == "" {
		return false
	}
	if c.ZendeskStatus != "" && samePresence(f.alias(f.m.Presence(c.ZendeskStatus)), c.Presence) {
		return true
	}
	if c.ZendeskChannel != "" && samePresence(f.alias(f.m.Presence(c.ZendeskChannel)), c.Presence) {
		return true
	}
	st, _, err := f.m.Status(f.unalias(c.Presence), statuses)
	return err == nil && c.ZendeskStatus != "" && NormalizeName(st.Name) == NormalizeName(c.ZendeskStatus)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
