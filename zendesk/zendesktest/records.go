package zendesktest

import "time"

// The handler steps that the records kept in an id-keyed table and served
// in an envelope ({"group": {...}}) share: tickets, users, user fields,
// groups and triggers. Each resource's handlers keep what is its own
// (validation, indexes, filters) and call these for the rest.

// record is a stored record with a numeric id, a URL and timestamps.
type record interface {
	// identify gives a new record its id, URL and creation time.
	identify(id int64, url string, now time.Time)
	// touch sets the record's update time.
	touch(now time.Time)
}

func (g *Group) identify(id int64, url string, now time.Time) {
	g.ID, g.URL, g.CreatedAt, g.UpdatedAt = id, url, now, now
}
func (g *Group) touch(now time.Time) { g.UpdatedAt = now }

func (f *UserField) identify(id int64, url string, now time.Time) {
	f.ID, f.URL, f.CreatedAt, f.UpdatedAt = id, url, now, now
}
func (f *UserField) touch(now time.Time) { f.UpdatedAt = now }

func (t *Trigger) identify(id int64, url string, now time.Time) {
	t.ID, t.URL, t.CreatedAt, t.UpdatedAt = id, url, now, now
}
func (t *Trigger) touch(now time.Time) { t.UpdatedAt = now }

// lookup finds the record of tb that the path's {id} names. Call it with
// s.mu held.
func lookup[V any](c *call, tb *table[int64, V]) (V, error) {
	var v V
	id, err := c.pathID("id")
	if err != nil {
		return v, err
	}
	v, ok := tb.get(id)
	if !ok {
		return v, errNotFound()
	}
	return v, nil
}

// listAll answers GET of every record of a table as {name: [...]}, offset
// or cursor paginated; conv makes a record's wire form.
func listAll[V, W any](s *Server, c *call, name string, tb func(*state) *table[int64, V], conv func(V) W) error {
	p, err := c.pageParams(pageBoth, 100)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return paginateTable(c, p, name, tb(s.st), conv)
}

// show answers {name: conv(record)} for the record the path names.
func show[V, W any](s *Server, c *call, name string, tb func(*state) *table[int64, V], conv func(V) W) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := lookup(c, tb(s.st))
	if err != nil {
		return err
	}
	return c.json(200, map[string]any{name: conv(v)})
}

// remove deletes the record the path names and answers 204 No Content.
func remove[V any](s *Server, c *call, tb func(*state) *table[int64, V]) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	s.mu.Lock()
	ok := tb(s.st).del(id)
	s.mu.Unlock()
	if !ok {
		return errNotFound()
	}
	return c.noContent()
}

// insert gives a new record its id, its URL (path formatted with the id)
// and its creation time, and stores it. Call it with s.mu held.
func insert[V any, P interface {
	*V
	record
}](s *Server, tb *table[int64, P], path string, v P) {
	id := s.st.nextID()
	v.identify(id, s.st.url(path, id), s.stamp())
	tb.put(id, v)
}

// update applies change to a copy (made by copyOf) of the stored record
// and, when change accepts it, stores the copy with its update time and
// answers 200 {name: record}. Call it with s.mu held.
func update[V any, P interface {
	*V
	record
}](s *Server, c *call, name string, stored P, copyOf func(V) V, change func(P) error) error {
	v := copyOf(*stored)
	if err := change(&v); err != nil {
		return err
	}
	P(&v).touch(s.stamp())
	*stored = v
	return c.json(200, map[string]any{name: v})
}

// same is the wire form of a record stored by pointer: the record itself.
func same[V any](v *V) V { return *v }
