package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// DecodeJSON decodes a request body into v the way the vendors' servers
// read JSON: object keys match field names exactly. encoding/json also
// takes "TICKET" or "Ticket" for a field tagged "ticket"; a vendor does not,
// so a fake that did would accept a request the vendor refuses and hide the
// client bug. Here a key that differs from a field's name only in case is
// an unknown key, and unknown keys are ignored, as the vendors ignore them.
// The body must hold exactly one JSON value.
//
// Fields of a type with its own UnmarshalJSON (and json.RawMessage, maps
// to any, interfaces) are decoded as they come: the fake reading them
// checks their keys itself if it must.
func DecodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("invalid character after top-level value")
	}
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return errors.New("fakeserver.DecodeJSON: v must be a non-nil pointer")
	}
	if !dropCaseVariants(raw, t.Elem()) {
		return json.Unmarshal(body, v)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// dropCaseVariants removes, from the decoded value x bound for a value of
// type t, every object key that names a struct field only case-insensitively.
// It reports whether it removed any.
func dropCaseVariants(x any, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return false
	}
	changed := false
	switch x := x.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for k, v := range x {
				if ft, ok := fields.exact[k]; ok {
					changed = dropCaseVariants(v, ft) || changed
					continue
				}
				if fields.folded[strings.ToLower(k)] {
					delete(x, k)
					changed = true
				}
			}
		case reflect.Map:
			for _, v := range x {
				changed = dropCaseVariants(v, t.Elem()) || changed
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for _, v := range x {
				changed = dropCaseVariants(v, t.Elem()) || changed
			}
		}
	}
	return changed
}

// structFields are the JSON names of a struct's fields: exactly, with the
// type each decodes into, and lower-cased.
type structFields struct {
	exact  map[string]reflect.Type
	folded map[string]bool
}

var fieldCache sync.Map // reflect.Type -> *structFields

func jsonFields(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{exact: map[string]reflect.Type{}, folded: map[string]bool{}}
	collectFields(t, f, 0)
	fieldCache.Store(t, f)
	return f
}

// collectFields adds t's fields, promoting those of embedded structs
// without a JSON name as encoding/json does (a name at a shallower depth
// wins; that is all of its rules a fake's request types need).
func collectFields(t reflect.Type, f *structFields, depth int) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				collectFields(et, f, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, taken := f.exact[name]; taken && depth > 0 {
			continue
		}
		f.exact[name] = ft
		f.folded[strings.ToLower(name)] = true
	}
}
