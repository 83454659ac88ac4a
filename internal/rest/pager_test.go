package rest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge"
)

// pages serves items 0..n-1 in pages of size, the cursor being the next
// start index, and counts fetches.
func pages(n, size int, fetches *int) PageFunc[int] {
	return func(_ context.Context, cursor string) (*deskbridge.Page[int], error) {
		*fetches++
		start := 0
		if cursor != "" {
			start, _ = strconv.Atoi(cursor)
		}
		var items []int
		for i := start; i < min(start+size, n); i++ {
			items = append(items, i)
		}
		next := ""
		if start+size < n {
			next = strconv.Itoa(start + size)
		}
		return &deskbridge.Page[int]{Items: items, Next: next}, nil
	}
}

func TestIterateWalksAllPages(t *testing.T) {
	t.Parallel()
	var fetches int
	var got []int
	for v, err := range Iterate(t.Context(), "", pages(250, 100, &fetches)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if len(got) != 250 || got[249] != 249 || fetches != 3 {
		t.Fatalf("got %d items, %d fetches", len(got), fetches)
	}
}

func TestIterateIsLazyAndStopsOnBreak(t *testing.T) {
	t.Parallel()
	var fetches int
	seq := Iterate(t.Context(), "", pages(1000, 10, &fetches))
	if fetches != 0 {
		t.Fatal("fetched before ranging")
	}
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if v == 14 {
			break
		}
	}
	if fetches != 2 {
		t.Fatalf("fetches = %d, want 2", fetches)
	}
}

func TestIterateYieldsErrorOnce(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	fetch := func(_ context.Context, cursor string) (*deskbridge.Page[string], error) {
		if cursor == "" {
			return &deskbridge.Page[string]{Items: []string{"a", "b"}, Next: "p2"}, nil
		}
		return nil, boom
	}
	var items []string
	var errs []error
	for v, err := range Iterate(t.Context(), "", fetch) {
		if err != nil {
			errs = append(errs, err)
			continue // a careless caller that keeps ranging still gets one error
		}
		items = append(items, v)
	}
	if fmt.Sprint(items) != "[a b]" || len(errs) != 1 || !errors.Is(errs[0], boom) {
		t.Fatalf("items %v errs %v", items, errs)
	}
}

func TestIterateRefusesToLoopForever(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		cycle []string // the Next of each page, repeating
		want  int      // fetches before the walk ends
		start string
	}{
		{"a page names itself", []string{"A"}, 2, ""},
		{"A, B, A", []string{"A", "B"}, 3, ""},
		{"back to the start", []string{"B", "C", "S"}, 3, "S"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fetches := 0
			fetch := func(_ context.Context, cursor string) (*deskbridge.Page[int], error) {
				fetches++
				if fetches > 100 {
					t.Fatal("still walking after 100 pages")
				}
				return &deskbridge.Page[int]{Items: []int{fetches}, Next: tc.cycle[(fetches-1)%len(tc.cycle)]}, nil
			}
			var err error
			n := 0
			for _, e := range Iterate(t.Context(), tc.start, fetch) {
				if e != nil {
					err = e
				} else {
					n++
				}
			}
			if err == nil || fetches != tc.want || n != tc.want || !strings.Contains(err.Error(), "already seen") {
				t.Fatalf("err = %v after %d fetches and %d items, want an error after %d", err, fetches, n, tc.want)
			}
		})
	}
}

// An error that comes with a page's items is yielded after them.
func TestIterateYieldsItemsBeforeTheirError(t *testing.T) {
	t.Parallel()
	limit := errors.New("no more results")
	fetch := func(_ context.Context, cursor string) (*deskbridge.Page[string], error) {
		return &deskbridge.Page[string]{Items: []string{"a", "b"}, Next: "more"}, limit
	}
	var got []string
	for v, err := range Iterate(t.Context(), "", fetch) {
		if err != nil {
			got = append(got, "error: "+err.Error())
			continue
		}
		got = append(got, v)
	}
	if fmt.Sprint(got) != "[a b error: no more results]" {
		t.Fatalf("got %v", got)
	}
}
