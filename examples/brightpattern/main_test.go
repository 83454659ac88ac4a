package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-demo"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Zendesk Screen Pop", "created and popped", "No Data", "brand", "OK:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLoadConfigListsWhatIsMissing(t *testing.T) {
	_, err := loadConfig(func(string) string { return "" })
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	for _, want := range []string{"BP_SCENARIO_SECRET", "ZENDESK_ACCOUNTS", "BP_TENANT_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q not named in %v", want, err)
		}
	}
	env := map[string]string{"BP_SCENARIO_SECRET": "s", "ZENDESK_ACCOUNTS": "support, brand-2", "ZENDESK_SUPPORT_URL": "acme",
		"ZENDESK_SUPPORT_OAUTH_TOKEN": "t", "BP_TENANT_URL": "x.brightpattern.com", "BP_CLIENT_ID": "i", "BP_CLIENT_SECRET": "c",
		"ACCOUNT_BY_DNIS": "+1800=support,oops"}
	_, err = loadConfig(func(k string) string { return env[k] })
	for _, want := range []string{"ZENDESK_BRAND_2_URL", "ZENDESK_BRAND_2_EMAIL", `"oops" is not number=account`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q not named in %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "ZENDESK_SUPPORT") {
		t.Errorf("a complete account reported: %v", err)
	}
}
