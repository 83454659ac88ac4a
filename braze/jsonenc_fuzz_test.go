package braze

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"testing"
)

// FuzzUserAttributesJSON: for any identifiers, attribute keys and values
// (strings, numbers of several Go types, booleans, and values nested in a
// list or an object), [UserAttributes.MarshalJSON] writes valid JSON made
// of encoding/json's encoding of the equivalent map[string]any, byte for
// byte: every key and every value exactly as encoding/json writes it. It
// fails exactly where encoding/json fails (NaN, an infinity).
//
// The one difference is the order of the members, and only when an
// identifier field is set: MarshalJSON writes the fields first, in the
// order of the struct, then the attributes, keys sorted, where
// encoding/json sorts every key of a map. With no field set the output is
// encoding/json's encoding of the map itself.
func FuzzUserAttributesJSON(f *testing.F) {
	f.Add("user-1", "alias", "sms", "", "ada@example.com", "+15550001", "group", "subscribed", uint8(0b0111),
		"first_name", "visits", "score", "Ada <b>&amp;</b> \u2028", int64(42), 1.5, true)
	f.Add("", "", "", "braze-id", "", "", "", "", uint8(0), "z", "a", "_m", "line\nbreak\ttab\x00\x1f\x7f", int64(math.MinInt64), 1e21, false)
	f.Add("\xff\xfe", "n\"", "l\\", "b", "e", "p", "g\xc3", "s", uint8(0b1111), "é 👋 日本", "\xed\xa0\x80", "k", "bad \xff utf8", int64(-1), 1e-7, true)
	f.Add("", "", "", "", "", "", "", "", uint8(0b10000), "a", "b", "c", "", int64(0), math.Copysign(0, -1), false)
	f.Add("x", "", "", "", "", "", "", "", uint8(0), "k", "k", "k", "", int64(math.MaxInt64), math.MaxFloat64, true)
	f.Add("x", "", "", "", "", "", "", "", uint8(0), "n", "i", "f", "", int64(7), math.NaN(), true)
	f.Add("x", "", "", "", "", "", "", "", uint8(0), "n", "i", "f", "", int64(7), math.Inf(-1), true)
	f.Add("", "", "", "", "", "", "", "", uint8(0), "n", "i", "f", "", int64(123456789), 123456789.125, true)
	f.Fuzz(func(t *testing.T, externalID, aliasName, aliasLabel, brazeID, email, phone, group, state string, set uint8,
		k1, k2, k3, s string, i int64, x float64, b bool) {
		u := UserAttributes{ExternalID: externalID, BrazeID: brazeID, Email: email, Phone: phone}
		if set&1 != 0 {
			u.UserAlias = &UserAlias{AliasName: aliasName, AliasLabel: aliasLabel}
		}
		if set&2 != 0 {
			u.UpdateExistingOnly = &b
		}
		if set&4 != 0 {
			u.SubscriptionGroups = append(u.SubscriptionGroups, SubscriptionGroupState{group, state})
		}
		if set&8 != 0 {
			u.SubscriptionGroups = append(u.SubscriptionGroups, SubscriptionGroupState{state, group})
		}
		if set&16 == 0 {
			u.Attributes = map[string]any{}
			put := func(k string, v any) {
				// Users.Track refuses a key that repeats a field.
				if !slices.Contains(reservedAttributeKeys[:], k) {
					u.Attributes[k] = v
				}
			}
			put(k1, s)
			put(k2, i)
			put(k3, x)
			put(k1+"_bool", b)
			put(k2+"_int32", int32(i))
			put(k2+"_uint64", uint64(i))
			put(k3+"_float32", float32(x))
			put(k1+"_nil", nil)
			put(s, []any{s, i, x, b, nil})
			put(k1+k2, map[string]any{k3: s, k2: x, k1: b})
		}

		// The equivalent map, and the order in which MarshalJSON writes
		// its members.
		m := map[string]any{}
		var order []string
		field := func(name string, v any) {
			m[name] = v
			order = append(order, name)
		}
		if u.ExternalID != "" {
			field("external_id", u.ExternalID)
		}
		if u.UserAlias != nil {
			field("user_alias", *u.UserAlias)
		}
		if u.BrazeID != "" {
			field("braze_id", u.BrazeID)
		}
		if u.Email != "" {
			field("email", u.Email)
		}
		if u.Phone != "" {
			field("phone", u.Phone)
		}
		if u.UpdateExistingOnly != nil {
			field("_update_existing_only", *u.UpdateExistingOnly)
		}
		if len(u.SubscriptionGroups) > 0 {
			field("subscription_groups", u.SubscriptionGroups)
		}
		keys := slices.Sorted(maps.Keys(u.Attributes))
		for _, k := range keys {
			m[k] = u.Attributes[k]
		}
		order = append(order, keys...)

		got, err := u.MarshalJSON()
		want, werr := json.Marshal(m)
		if (err != nil) != (werr != nil) {
			t.Fatalf("MarshalJSON error %v; encoding/json's %v", err, werr)
		}
		if werr != nil {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON: %s", got)
		}

		// Each member as encoding/json writes it; joined in sorted order
		// they must be encoding/json's encoding of m (a check of this
		// test), in MarshalJSON's order they must be its output.
		members := make(map[string][]byte, len(m))
		for k, v := range m {
			kb, err1 := json.Marshal(k)
			vb, err2 := json.Marshal(v)
			if err1 != nil || err2 != nil {
				t.Fatalf("encoding/json encodes m but not its member %q: %v %v", k, err1, err2)
			}
			members[k] = append(append(kb, ':'), vb...)
		}
		join := func(names []string) []byte {
			out := []byte{'{'}
			for n, k := range names {
				if n > 0 {
					out = append(out, ',')
				}
				out = append(out, members[k]...)
			}
			return append(out, '}')
		}
		if sorted := join(slices.Sorted(maps.Keys(m))); !bytes.Equal(sorted, want) {
			t.Fatalf("the members do not make encoding/json's map:\n%s\n%s", sorted, want)
		}
		if ref := join(order); !bytes.Equal(got, ref) {
			t.Fatalf("MarshalJSON differs from encoding/json:\n got %s\nwant %s", got, ref)
		}
		if len(order) == len(keys) && !bytes.Equal(got, want) {
			t.Fatalf("attributes alone differ from encoding/json's map:\n got %s\nwant %s", got, want)
		}
		// Through encoding/json, which checks and compacts what a
		// MarshalJSON returns, the bytes are unchanged.
		if via, err := json.Marshal(u); err != nil || !bytes.Equal(via, got) {
			t.Fatalf("json.Marshal(u) = %s, %v", via, err)
		}
	})
}
