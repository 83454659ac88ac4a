package brazetest

import (
	"net/http"
	"testing"
)

func TestRender(t *testing.T) {
	t.Parallel()
	u := &User{ExternalID: "u/1", BrazeID: "b1", FirstName: "Zoë", LastName: "D'Arc", Email: "z@example.com", Phone: "+33600000001",
		CustomAttributes: map[string]any{"zendesk_ticket": "1234", "n": float64(2.5), "ok": true, "list": []any{"a", float64(1)}, "nil": nil}}
	d := renderData{user: u, sms: "a \"quoted\" <b>\nline", trigger: map[string]any{"msg_body": "hi"}}
	for _, tc := range []struct {
		tmpl string
		esc  escaping
		want string
	}{
		{"{{${user_id}}} {{ ${first_name} }} {{${last_name}}} {{${email_address}}} {{${phone_number}}} {{${braze_id}}}", plainText, "u/1 Zoë D'Arc z@example.com +33600000001 b1"},
		{"{{custom_attribute.${zendesk_ticket}}}/{{custom_attribute.${n}}}/{{custom_attribute.${ok}}}/{{custom_attribute.${list}}}/{{custom_attribute.${nil}}}/{{custom_attribute.${missing}}}", plainText, `1234/2.5/true/["a",1]//`},
		{"{{sms.${inbound_message_body}}}|{{sms.${inbound_media_urls}}}", plainText, "a \"quoted\" <b>\nline|"},
		{`{"b":"{{sms.${inbound_message_body}}}"}`, jsonString, `{"b":"a \"quoted\" <b>\nline"}`},
		{"m={{sms.${inbound_message_body}}}", formValue, "m=a+%22quoted%22+%3Cb%3E%0Aline"},
		{"{{sms.${inbound_message_body}}}", headerValue, `a "quoted" <b> line`},
		{"{{api_trigger_properties.${msg_body}}}", plainText, "hi"},
		{"{{content_blocks.${to_int}}} {% assign x = 1 %} {{${unknown}}} {{sms.${other}}}", plainText, "{{content_blocks.${to_int}}} {% assign x = 1 %} {{${unknown}}} {{sms.${other}}}"},
	} {
		if got := render(tc.tmpl, d, tc.esc); got != tc.want {
			t.Errorf("render(%q) =\n%q\nwant\n%q", tc.tmpl, got, tc.want)
		}
	}
	if got := renderURL("https://x.example.com/t/{{${user_id}}}.json?who={{${first_name}}}&id={{${user_id}}}", d); got != "https://x.example.com/t/u%2F1.json?who=Zo%C3%AB&id=u%2F1" {
		t.Fatalf("url = %s", got)
	}
	for ct, want := range map[string]escaping{"application/json; charset=utf-8": jsonString, "application/x-www-form-urlencoded": formValue, "text/plain": plainText} {
		if got := bodyEscaping(ct, "{}"); got != want {
			t.Errorf("%s → %v", ct, got)
		}
	}
	if bodyEscaping("", " [1]") != jsonString || bodyEscaping("", "hello") != plainText {
		t.Fatal("sniffing")
	}
	del := renderWebhook(&Campaign{ID: "c"}, &Webhook{URL: "http://x/{{${user_id}}}", Header: http.Header{"X-Who": {"{{${first_name}}}"}}}, d, InboundSMS{ExternalID: "u/1"})
	if del.Method != "POST" || del.URL != "http://x/u%2F1" || del.Header.Get("X-Who") != "Zoë" {
		t.Fatalf("delivery = %+v", del)
	}
	if del := renderWebhook(&Campaign{}, &Webhook{URL: "http://x"}, d, InboundSMS{}); del.Header == nil {
		t.Fatal("nil header")
	}
}
