package flow

import (
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/webhook"
)

// SharedSecretAuth is the one way a flow takes the verifier of a sender
// that authenticates with a shared secret (babelforce's automation, Braze's
// webhook campaigns, a CXone Studio script, a Bright Pattern scenario): a
// [webhook.SharedSecretVerifier] in a Config field named after the sender
// ("AutomationAuth", "BrazeAuth", "StudioAuth", "ScenarioAuth").
//
// It returns v ready to use: Scheme [webhook.SchemeBearer] when zero,
// Secrets without empty strings, Header without surrounding space, and its
// slices copied so that the caller may reuse them. It records in c what is
// wrong, under field (such as "Config.BrazeAuth"), every problem at once:
// no secret while required, a Scheme out of range, [webhook.SchemeHeader]
// without a Header. An optional sender without a secret is left
// unchecked: the flow does not serve it. fix says where the secret comes
// from ("the secret the Braze webhook campaign sends"), for the problem
// of a missing one.
func SharedSecretAuth(c *Collector, field string, v webhook.SharedSecretVerifier, required bool, fix string) webhook.SharedSecretVerifier {
	v.Secrets = slices.DeleteFunc(slices.Clone(v.Secrets), func(s string) bool { return s == "" })
	v.AllowedSources = slices.Clone(v.AllowedSources)
	v.Header = strings.TrimSpace(v.Header)
	if v.Scheme == 0 {
		v.Scheme = webhook.SchemeBearer
	}
	if len(v.Secrets) == 0 {
		if !required {
			return v // an optional sender left unset: how it would send does not matter
		}
		c.Add(field+".Secrets", "", "is empty", "set "+fix)
	}
	switch v.Scheme {
	case webhook.SchemeBearer, webhook.SchemeBasic:
	case webhook.SchemeHeader:
		if strings.TrimSpace(v.Header) == "" {
			c.Add(field+".Header", "", "is empty while Scheme is webhook.SchemeHeader", "name the header the sender puts the secret in, or use webhook.SchemeBearer")
		}
	default:
		c.Add(field+".Scheme", strconv.Itoa(int(v.Scheme)), "is not a scheme", "use webhook.SchemeBearer (the default), SchemeBasic or SchemeHeader")
	}
	return v
}
