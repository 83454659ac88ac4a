package babelforce

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// SecretsService is the v3 secrets vault that task templates read
// (/api/v3/tasks/configurations/secrets). A secret is a prefix plus a key,
// e.g. prefix "zendesk", key "webhook" (babelforce's status-sync article
// stores the Zendesk credential there and its template reads it as
// {{secret.zendesk.webhook}}; see [SecretRef]).
//
// Values are write-only: babelforce lists prefixes and keys but never
// returns a value, and this client never logs one.
type SecretsService service

const secretsPath = "/api/v3/tasks/configurations/secrets"

// ListPrefixes returns the prefixes that hold secrets (GET
// /api/v3/tasks/configurations/secrets).
func (s *SecretsService) ListPrefixes(ctx context.Context) ([]string, error) {
	return getStrings(ctx, s.client, secretsPath)
}

// Keys returns the keys stored under prefix, never their values (GET
// /api/v3/tasks/configurations/secrets/{prefix}).
func (s *SecretsService) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := checkID("secret prefix", prefix); err != nil {
		return nil, err
	}
	return getStrings(ctx, s.client, rest.Pathf(secretsPath+"/%s", prefix))
}

// getStrings fetches a JSON array of strings.
func getStrings(ctx context.Context, c *Client, path string) ([]string, error) {
	out, err := rest.Get[[]string](ctx, c.rest, path, nil, "")
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Store writes the secrets of prefix (POST …/secrets/{prefix}, 204), as the
// curl of babelforce's status-sync article does. Whether babelforce
// replaces the keys not in secrets is not documented; use Update to add
// keys to a prefix and keep the others.
//
// Storing the same values twice leaves the same state, so the POST is
// retried after a 5xx like an idempotent request.
func (s *SecretsService) Store(ctx context.Context, prefix string, secrets map[string]string) error {
	return s.write(ctx, http.MethodPost, prefix, secrets)
}

// Update adds or replaces keys of prefix and keeps the others (PATCH
// …/secrets/{prefix}, 204).
func (s *SecretsService) Update(ctx context.Context, prefix string, secrets map[string]string) error {
	return s.write(ctx, http.MethodPatch, prefix, secrets)
}

func (s *SecretsService) write(ctx context.Context, method, prefix string, secrets map[string]string) error {
	if err := checkID("secret prefix", prefix); err != nil {
		return err
	}
	if len(secrets) == 0 {
		return invalidf("secrets %s: no secrets to store", prefix)
	}
	values := make([]string, 0, len(secrets))
	for k, v := range secrets {
		if strings.TrimSpace(k) == "" {
			return invalidf("secrets %s: a key is empty", prefix)
		}
		values = append(values, v)
	}
	_, err := s.client.rest.Do(ctx, &rest.Request{Method: method, Path: rest.Pathf(secretsPath+"/%s", prefix), Body: secrets, Idempotent: true}, nil)
	return scrubSecrets(err, values)
}

// Delete removes keys from prefix (DELETE …/secrets/{prefix} with a JSON
// array of keys, 204). An empty list is refused: what babelforce would do
// with it is not documented.
func (s *SecretsService) Delete(ctx context.Context, prefix string, keys ...string) error {
	if err := checkID("secret prefix", prefix); err != nil {
		return err
	}
	if len(keys) == 0 {
		return invalidf("secrets %s: no keys to delete", prefix)
	}
	_, err := s.client.rest.Do(ctx, &rest.Request{Method: http.MethodDelete, Path: rest.Pathf(secretsPath+"/%s", prefix), Body: keys}, nil)
	return err
}

// scrubSecrets removes the secret values that an error response echoed
// from the error's text fields, in any spelling (JSON escapes, URL and form
// encoding). The client's own credentials are scrubbed by the core.
func scrubSecrets(err error, values []string) error {
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	secrets := rest.NewSecrets(values...)
	e.Code = secrets.Scrub(e.Code)
	e.Message = secrets.Scrub(e.Message)
	e.Detail = secrets.Scrub(e.Detail)
	return err
}

// SecretRef returns the template reference to a stored secret, as a task
// template (such as the status-sync article's) reads it:
// SecretRef("zendesk", "webhook") is "{{secret.zendesk.webhook}}".
func SecretRef(prefix, key string) string {
	return "{{" + secretRefRoot() + "." + prefix + "." + key + "}}"
}
