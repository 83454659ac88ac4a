package statussync

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Defaults of [Mapping].
const (
	// DefaultChannel is the Zendesk channel whose agent.state_changed events
	// drive babelforce, as in the status-sync article's example event.
	DefaultChannel = zendesk.ChannelSupport
	// DefaultFallback is the Zendesk unified status set for a red babelforce
	// presence that has no Zendesk status of the same name (babelforce's
	// built-in "busy", for one).
	DefaultFallback = zendesk.AgentStateAway
)

// Mapping is the table between Zendesk agent states and babelforce
// presences. It is pure: it reads nothing and calls nothing, so it can be
// tested and printed on its own. The zero value is the mapping that the
// status-sync article's text describes (its table is an image):
//
//	Zendesk → babelforce
//	  online (channel state or unified status)  → available, the only green presence
//	  any other state or status, default or custom → the red presence of the same name
//	                                                ("In a meeting" → "in_a_meeting")
//	babelforce → Zendesk
//	  available                                  → the unified status online (id 3)
//	  a red presence                             → the unified status of the same name,
//	                                                default or custom, else Fallback (away)
//
// Names are compared after [NormalizeName], so an override may be written
// "In a meeting" or "in_a_meeting".
type Mapping struct {
	// Channel is the channel whose agent.state_changed events drive
	// babelforce: "support" (the default), "messaging" or "talk". Events of
	// the other channels are acknowledged and ignored. The unified status
	// events drive babelforce whatever the channel.
	Channel string
	// Presences overrides the Zendesk → babelforce table: the key is a
	// channel state ("away") or a unified status name ("In a meeting"),
	// the value the babelforce presence name to set ("busy").
	Presences map[string]string
	// Statuses overrides the babelforce → Zendesk table: the key is a
	// presence name ("busy"), the value a Zendesk unified status name
	// ("In a meeting", "away").
	Statuses map[string]string
	// Fallback is the Zendesk unified status (by name) for a red presence
	// with no status of the same name and no entry in Statuses. Empty means
	// DefaultFallback. It must not be online.
	Fallback string
}

// DefaultMapping returns the default mapping with its defaults filled in
// and empty override tables, the caller's to add to:
//
//	m := statussync.DefaultMapping()
//	m.Presences["In a meeting"] = "busy"
func DefaultMapping() Mapping {
	return Mapping{Channel: DefaultChannel, Fallback: DefaultFallback, Presences: map[string]string{}, Statuses: map[string]string{}}
}

// withDefaults returns m with the defaults filled in and the override
// tables copied with normalised keys and trimmed values: a copy that the
// caller's later writes to m's maps do not reach, and whose lookups find
// their key at once.
func (m Mapping) withDefaults() Mapping {
	if m.Channel == "" {
		m.Channel = DefaultChannel
	}
	if m.Fallback == "" {
		m.Fallback = DefaultFallback
	}
	norm := func(in map[string]string) map[string]string {
		out := make(map[string]string, len(in))
		for k, v := range in {
			out[NormalizeName(k)] = strings.TrimSpace(v)
		}
		return out
	}
	m.Presences = norm(m.Presences)
	m.Statuses = norm(m.Statuses)
	return m
}

// clone returns m with its own copies of the override tables.
func (m Mapping) clone() Mapping {
	m.Presences = maps.Clone(m.Presences)
	m.Statuses = maps.Clone(m.Statuses)
	return m
}

// lookup finds the entry of table whose key normalises to k (k is
// normalised), and returns its value trimmed. The keys are whatever the
// caller wrote: a key already normal is found at once, the others by
// normalising each.
func (m Mapping) lookup(table map[string]string, k string) (string, bool) {
	if v, ok := table[k]; ok {
		return strings.TrimSpace(v), true
	}
	for key, v := range table {
		if !isNormal(key) && NormalizeName(key) == k {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// Presence returns the babelforce presence that the Zendesk channel state
// or unified status name maps to: the override in Presences, else
// "available" for online, else the normalised name.
func (m Mapping) Presence(zendeskName string) string {
	k := NormalizeName(zendeskName)
	if v, ok := m.lookup(m.Presences, k); ok {
		return v
	}
	if k == zendesk.AgentStateOnline {
		return babelforce.AvailablePresence
	}
	return k
}

// StatusName returns the name of the Zendesk unified status that the
// babelforce presence maps to, and whether Fallback may replace it when
// Zendesk has no such status: the override in Statuses (no fallback),
// "online" for "available" (no fallback), else the presence's own name.
func (m Mapping) StatusName(presence string) (name string, fallback bool) {
	k := NormalizeName(presence)
	if v, ok := m.lookup(m.Statuses, k); ok {
		return v, false
	}
	if k == babelforce.AvailablePresence {
		return zendesk.AgentStateOnline, false
	}
	return presence, true
}

// Status resolves the babelforce presence to one of statuses (Zendesk's
// unified statuses, as Availability.Statuses lists them): the status named
// by StatusName, else the Fallback status. fellBack reports the latter.
// It returns an error when neither exists.
func (m Mapping) Status(presence string, statuses []*zendesk.UnifiedStatus) (st *zendesk.UnifiedStatus, fellBack bool, err error) {
	fallback := m.Fallback
	if fallback == "" {
		fallback = DefaultFallback
	}
	name, canFall := m.StatusName(presence)
	if st := findStatus(statuses, name); st != nil {
		return st, false, nil
	}
	if !canFall {
		return nil, false, fmt.Errorf("statussync: babelforce presence %q maps to the Zendesk status %q, which does not exist", presence, name)
	}
	if st := findStatus(statuses, fallback); st != nil {
		return st, true, nil
	}
	return nil, false, fmt.Errorf("statussync: babelforce presence %q has no Zendesk status of that name and the fallback status %q does not exist", presence, fallback)
}

// findStatus returns the status whose normalised name is name's.
func findStatus(statuses []*zendesk.UnifiedStatus, name string) *zendesk.UnifiedStatus {
	k := NormalizeName(name)
	for _, s := range statuses {
		if s != nil && NormalizeName(s.Name) == k {
			return s
		}
	}
	return nil
}

// channelStates are Zendesk's per-channel states, which agent.state_changed
// events carry.
var channelStates = []string{zendesk.AgentStateOnline, zendesk.AgentStateAway, zendesk.AgentStateTransfersOnly, zendesk.AgentStateOffline}

// channels are the Zendesk channels an agent has a state on.
var channels = []string{zendesk.ChannelSupport, zendesk.ChannelMessaging, zendesk.ChannelTalk}

// ChannelState returns the state st puts the channel in: its mapping for a
// custom status, and for a default status (whose mapping the API does not
// list) the state of its name ("away" → "away"). It is "" when unknown.
func ChannelState(st *zendesk.UnifiedStatus, channel string) string {
	if st == nil {
		return ""
	}
	if s, ok := st.Channels[channel]; ok {
		return s
	}
	if n := NormalizeName(st.Name); slices.Contains(channelStates, n) {
		return n
	}
	return ""
}

// Validate checks what can be checked without reading either side: the
// channel, empty names, and mappings that would make a red state green. The
// error joins one [*flow.ConfigError] per problem, each saying what to fix.
// [Flow.Check] checks the rest against both accounts.
func (m Mapping) Validate() error {
	p := flow.Collector{Flow: flowName}
	add := p.Add
	ch := m.Channel
	if ch == "" {
		ch = DefaultChannel
	}
	if !slices.Contains(channels, ch) {
		add("Mapping.Channel", m.Channel, "is not a Zendesk channel",
			`use "support", "messaging" or "talk" (empty means "support")`)
	}
	overrides{
		field: "Mapping.Presences", key: "Zendesk state", table: m.Presences,
		emptyKeyFix: "remove the entry or name a Zendesk state or status",
		emptyValue:  "maps to an empty presence name",
		emptyValueFix: func(k string) string {
			return fmt.Sprintf("name a babelforce presence, or remove the entry to use %q", NormalizeName(k))
		},
		green: func(k, n, v string) (string, string) {
			if v != babelforce.AvailablePresence || n == zendesk.AgentStateOnline || !slices.Contains(channelStates, n) {
				return "", ""
			}
			return fmt.Sprintf("makes the red Zendesk state %q green: %q is babelforce's only green presence", n, v),
				fmt.Sprintf("map %q to a red presence such as %q, or remove the entry", k, n)
		},
	}.validate(&p)
	overrides{
		field: "Mapping.Statuses", key: "presence", table: m.Statuses,
		emptyKeyFix:   "remove the entry or name a babelforce presence",
		emptyValue:    "maps to an empty Zendesk status name",
		emptyValueFix: func(string) string { return "name a Zendesk unified status, or remove the entry" },
		green: func(k, n, v string) (string, string) {
			if n == babelforce.AvailablePresence || NormalizeName(v) != zendesk.AgentStateOnline {
				return "", ""
			}
			return fmt.Sprintf("makes the red presence %q green in Zendesk (online)", k),
				fmt.Sprintf("map %q to a Zendesk status that is not online, such as %q, or remove the entry", k, DefaultFallback)
		},
	}.validate(&p)
	if NormalizeName(m.Fallback) == zendesk.AgentStateOnline {
		add("Mapping.Fallback", m.Fallback, "would make every red presence without a Zendesk status green (online)",
			fmt.Sprintf("use a status that is not online, such as %q (empty means %q)", DefaultFallback, DefaultFallback))
	}
	return p.Err()
}

// overrides describes one override table of a [Mapping] for validate.
type overrides struct {
	field string            // "Mapping.Presences"
	key   string            // what a key names: "Zendesk state"
	table map[string]string // the table
	// emptyKeyFix is the fix of an entry whose key is empty.
	emptyKeyFix string
	// emptyValue is the problem of an entry whose value is empty, and
	// emptyValueFix the fix for key k.
	emptyValue    string
	emptyValueFix func(k string) string
	// green returns the problem and fix of an entry (key k, normal form n,
	// value v) that makes a red state green, or "" for none.
	green func(k, n, v string) (problem, fix string)
}

// validate adds to p a [flow.ConfigError] per problem of the table, in key
// order: an empty key, two keys of the same normal form, an empty value,
// and a red state made green.
func (o overrides) validate(p *flow.Collector) {
	add := func(k, v, problem, fix string) { p.Add(fmt.Sprintf("%s[%q]", o.field, k), v, problem, fix) }
	seen := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(o.table)) {
		v := strings.TrimSpace(o.table[k])
		n := NormalizeName(k)
		if n == "" {
			add(k, v, "has an empty "+o.key+" name", o.emptyKeyFix)
			continue
		}
		problem, fix := o.green(k, n, v)
		switch {
		case seen[n] != "":
			add(k, v, fmt.Sprintf("names the same %s as %s[%q]", o.key, o.field, seen[n]), "keep one of the two entries")
		case v == "":
			add(k, v, o.emptyValue, o.emptyValueFix(k))
		case problem != "":
			add(k, v, problem, fix)
		}
		seen[n] = k
	}
}
