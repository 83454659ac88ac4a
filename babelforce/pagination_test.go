package babelforce

import (
	"testing"
)

func TestNextV2Page(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		requested int
		p         v2Pagination
		items     int
		want      int
	}{
		{"first of three, unnumbered", 0, v2Pagination{Pages: 3, Current: 1}, 5, 2},
		{"middle", 2, v2Pagination{Pages: 3, Current: 2}, 5, 3},
		{"last", 3, v2Pagination{Pages: 3, Current: 3}, 5, 0},
		{"missing pages means one", 0, v2Pagination{}, 5, 0},
		{"zero pages (the spec example)", 1, v2Pagination{Pages: 0, Current: 1, Total: 6}, 2, 0},
		{"no current: trust the request", 2, v2Pagination{Pages: 3}, 5, 3},
		{"empty page", 1, v2Pagination{Pages: 9, Current: 1}, 0, 0},
		{"did not advance", 4, v2Pagination{Pages: 9, Current: 3}, 5, 0},
		{"past the end", 7, v2Pagination{Pages: 3, Current: 7}, 1, 0},
	}
	for _, tc := range cases {
		if got := nextV2Page(tc.requested, tc.p, tc.items); got != tc.want {
			t.Errorf("%s: nextV2Page = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestNextV3Page(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		requested, size int
		m               v3Metadata
		items           int
		want            int
	}{
		{"first of two", 0, 2, v3Metadata{Page: 1, PerPage: 2, PageCount: 2}, 2, 2},
		{"last", 2, 2, v3Metadata{Page: 2, PerPage: 2, PageCount: 2}, 1, 0},
		{"empty", 1, 2, v3Metadata{Page: 1, PageCount: 5}, 0, 0},
		{"no page_count, full page", 1, 2, v3Metadata{}, 2, 2},
		{"no page_count, short page", 1, 2, v3Metadata{}, 1, 0},
		{"no page_count, per_page known", 1, 0, v3Metadata{PerPage: 3}, 2, 0},
		{"nothing known", 1, 0, v3Metadata{}, 4, 2},
		{"did not advance", 3, 2, v3Metadata{Page: 2, PageCount: 5}, 2, 0},
	}
	for _, tc := range cases {
		if got := nextV3Page(tc.requested, tc.size, tc.m, tc.items); got != tc.want {
			t.Errorf("%s: nextV3Page = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestDecodeItem(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"item":{"name":"busy","label":"Busy","available":false},"success":true}`,
		`{"name":"busy","label":"Busy","available":false}`,
	} {
		var p Presence
		if found, err := decodeItem([]byte(body), &p); err != nil || !found || p.Name != "busy" || p.Label != "Busy" {
			t.Errorf("decodeItem(%s) = %+v, %v, %v", body, p, found, err)
		}
	}
	var p Presence
	for _, empty := range []string{"", " \n"} {
		if found, err := decodeItem([]byte(empty), &p); err != nil || found || p.Name != "" {
			t.Errorf("empty body %q: %+v, %v, %v", empty, p, found, err)
		}
	}
	if _, err := decodeItem([]byte(`[1]`), &p); err == nil {
		t.Error("an array decoded as an item")
	}
}
