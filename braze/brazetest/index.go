package brazetest

import (
	"cmp"
	"slices"
	"strings"
)

// The fake indexes its profiles by every identifier Braze looks a user up
// by (external ID, Braze ID, email address, phone number, alias), and its
// campaigns by ID and keyword, so that a lookup is a map access plus a look
// at the few profiles that share the key: a users/track item costs the
// same with 2,500 users as with 10,000 (BenchmarkUsersTrackByEmailScaling).

// profiles holds the user profiles and their indexes. Every change to a
// profile's identifiers goes through change, so the indexes never go
// stale. Callers hold Server.mu.
type profiles struct {
	seq        uint64
	created    map[*User]uint64 // every profile, with its creation order
	byExternal index[string]
	byBrazeID  index[string]
	byEmail    index[string] // by emailKey
	byPhone    index[string]
	byAlias    index[Alias]
}

// index maps a key to the profiles that have it, oldest first. Several
// profiles may share an email address or a phone number (Braze updates all
// of them on a subscription change); a lookup of one takes the oldest, as
// the fake always has.
type index[K comparable] map[K][]*User

// add files u under k, in creation order; order gives a profile's.
func (ix index[K]) add(k K, u *User, order func(*User) uint64) {
	list := ix[k]
	if slices.Contains(list, u) {
		return // the same alias twice on one profile
	}
	i, _ := slices.BinarySearchFunc(list, order(u), func(x *User, seq uint64) int { return cmp.Compare(order(x), seq) })
	ix[k] = slices.Insert(list, i, u)
}

func (ix index[K]) remove(k K, u *User) {
	list := ix[k]
	i := slices.Index(list, u)
	switch {
	case i < 0:
	case len(list) == 1:
		delete(ix, k)
	default:
		ix[k] = slices.Delete(list, i, i+1)
	}
}

// first returns the oldest profile with k, nil for none.
func (ix index[K]) first(k K) *User {
	if list := ix[k]; len(list) > 0 {
		return list[0]
	}
	return nil
}

// emailKey is the index key of an email address: Braze matches addresses
// whatever their case (the fake always has), and the fake ignores spaces
// around them.
func emailKey(email string) string {
	return strings.ToLower(strings.ToUpper(strings.TrimSpace(email)))
}

func (p *profiles) order(u *User) uint64 { return p.created[u] }

// add registers a new profile.
func (p *profiles) add(u *User) {
	if p.created == nil {
		p.created = map[*User]uint64{}
		p.byExternal, p.byBrazeID, p.byEmail, p.byPhone = index[string]{}, index[string]{}, index[string]{}, index[string]{}
		p.byAlias = index[Alias]{}
	}
	p.seq++
	p.created[u] = p.seq
	p.index(u)
}

// remove forgets a profile.
func (p *profiles) remove(u *User) {
	p.unindex(u)
	delete(p.created, u)
}

// change applies f to u, whose identifiers f may change, and re-indexes
// it.
func (p *profiles) change(u *User, f func(u *User)) {
	p.unindex(u)
	f(u)
	p.index(u)
}

func (p *profiles) index(u *User) {
	if u.ExternalID != "" {
		p.byExternal.add(u.ExternalID, u, p.order)
	}
	if u.BrazeID != "" {
		p.byBrazeID.add(u.BrazeID, u, p.order)
	}
	if k := emailKey(u.Email); k != "" {
		p.byEmail.add(k, u, p.order)
	}
	if u.Phone != "" {
		p.byPhone.add(u.Phone, u, p.order)
	}
	for _, a := range u.Aliases {
		p.byAlias.add(a, u, p.order)
	}
}

func (p *profiles) unindex(u *User) {
	p.byExternal.remove(u.ExternalID, u)
	p.byBrazeID.remove(u.BrazeID, u)
	p.byEmail.remove(emailKey(u.Email), u)
	p.byPhone.remove(u.Phone, u)
	for _, a := range u.Aliases {
		p.byAlias.remove(a, u)
	}
}

// all returns every profile in creation order: O(n log n), for Users.
func (p *profiles) all() []*User {
	out := make([]*User, 0, len(p.created))
	for u := range p.created {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *User) int { return cmp.Compare(p.created[a], p.created[b]) })
	return out
}

// firstUnidentified returns the oldest profile under k without an external
// ID, nil for none: the anonymous profile users/identify names.
func firstUnidentified[K comparable](ix index[K], k K) *User {
	for _, u := range ix[k] {
		if u.ExternalID == "" {
			return u
		}
	}
	return nil
}

// campaigns holds the campaigns, by ID, and the webhook campaigns by
// keyword category. Callers hold Server.mu.
type campaigns struct {
	byID map[string]*Campaign
	// keywordCategory names the custom category of each keyword;
	// categoryKeywords holds each custom category's keywords.
	keywordCategory  map[string]string
	categoryKeywords map[string][]string
	// webhooks are the webhook campaigns of each category ("Other"
	// included), in the order they were added.
	webhooks map[string][]*Campaign
}

func (cs *campaigns) add(c *Campaign) {
	if cs.byID == nil {
		cs.byID = map[string]*Campaign{}
		cs.keywordCategory = map[string]string{}
		cs.categoryKeywords = map[string][]string{}
		cs.webhooks = map[string][]*Campaign{}
	}
	cs.byID[c.ID] = c
	if c.Webhook == nil {
		return
	}
	name := categoryName(c.Webhook.Keywords)
	for _, k := range c.Webhook.Keywords {
		cs.keywordCategory[k] = name
	}
	if len(c.Webhook.Keywords) > 0 {
		cs.categoryKeywords[name] = c.Webhook.Keywords
	}
	cs.webhooks[name] = append(cs.webhooks[name], c)
}

// defaultKeywords maps each keyword of Braze's default categories to its
// category.
var defaultKeywords = func() map[string]string {
	m := map[string]string{}
	for _, d := range defaultCategories {
		for _, k := range d.keywords {
			m[k] = d.name
		}
	}
	return m
}()
