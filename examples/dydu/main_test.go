package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	for _, replicas := range []string{"1", "2"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-demo", "-replicas", replicas}, &out, func(string) string { return "" }); err != nil {
			t.Fatalf("-demo -replicas %s: %v\n%s", replicas, err, out.String())
		}
		for _, want := range []string{"Both sides agree.", "in group Animal", "Nom de domaine : dydu-32357.zendesk.com", "Essayez ces croquettes [image image/png]"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("-replicas %s: the output lacks %q:\n%s", replicas, want, out.String())
			}
		}
	}
}

func TestRealModeListsWhatIsMissing(t *testing.T) {
	err := run(context.Background(), nil, &bytes.Buffer{}, func(string) string { return "" })
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a configError", err)
	}
	for _, name := range []string{"DYDU_BOT_ID", "DYDU_SERVERS", "ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL and ZENDESK_API_TOKEN", "SUNCO_APP_ID",
		"SUNCO_KEY_ID and SUNCO_KEY_SECRET", "SUNCO_WEBHOOK_SECRET"} {
		if !strings.Contains(err.Error(), "missing "+name) {
			t.Errorf("the error does not name %s:\n%v", name, err)
		}
	}
	env := map[string]string{"PUBLIC_URL": ""}
	err = run(context.Background(), []string{"-provision"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "missing PUBLIC_URL") || strings.Contains(err.Error(), "SUNCO_WEBHOOK_SECRET") {
		t.Fatalf("-provision: %v", err)
	}
}
