package storetest

import "testing"

// The ExpiryRenewed skip names a -run pattern that selects its subtest
// alone, whatever characters the test's name holds.
func TestRunPattern(t *testing.T) {
	for name, want := range map[string]string{
		"TestMemory/ExpiryRenewed":           "^TestMemory$/^ExpiryRenewed$",
		"TestConformance(a+b)/ExpiryRenewed": `^TestConformance\(a\+b\)$/^ExpiryRenewed$`,
	} {
		if got := runPattern(name); got != want {
			t.Errorf("runPattern(%q) = %q, want %q", name, got, want)
		}
	}
}
