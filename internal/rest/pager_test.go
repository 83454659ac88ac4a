package rest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// pages serves items 0..n-1 in pages of size, the cursor being the next
// start index, and counts fetches.
func pages(n, size int, fetches *int) PageFunc[int] {
	return func(_ context.Context, cursor string) ([]int, string, error) {
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
		return items, next, nil
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
	fetch := func(_ context.Context, cursor string) ([]string, string, error) {
		if cursor == "" {
			return []string{"a", "b"}, "p2", nil
		}
		return nil, "", boom
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
	fetches := 0
	fetch := func(_ context.Context, cursor string) ([]int, string, error) {
		fetches++
		return []int{1}, "same", nil
	}
	var err error
	for _, e := range Iterate(t.Context(), "", fetch) {
		err = e
	}
	if err == nil || fetches != 2 {
		t.Fatalf("err = %v after %d fetches", err, fetches)
	}
}
