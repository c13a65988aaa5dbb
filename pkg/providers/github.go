package providers

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// fetchGitHub reads GET /user, then GET /user/emails to learn whether the
// address is verified, and to find one when /user has none (a private
// address): the primary verified address, else the first verified one.
// Unverified addresses are never taken (Auth.js takes the primary one,
// verified or not); a user with none signs in without an e-mail. When
// /user/emails is refused (the token lacks user:email, or a GitHub App
// lacks the e-mail permission) the profile keeps /user's address, marked
// unverified.
func fetchGitHub(ctx context.Context, client *http.Client, p *Provider, tok *Token) (map[string]any, error) {
	list := func(v any) []any { l, _ := v.([]any); return l }
	return fetchWithEmails(ctx, client, p, tok, list, "primary", "verified")
}

// fetchWithEmails reads the userinfo, then the e-mail list next to it
// (<userinfo>/emails), whose entries items finds in the answer and whose
// primary and verified flags have the given names, and applies it with
// applyEmails. A refused list keeps /user's address, marked unverified.
func fetchWithEmails(ctx context.Context, client *http.Client, p *Provider, tok *Token, items func(any) []any, primary, verified string) (map[string]any, error) {
	raw, err := FetchUserInfo(ctx, client, p, tok)
	if err != nil {
		return nil, err
	}
	raw["email_verified"] = false
	v, err := getJSON(ctx, client, subURL(p.UserInfoURL, "emails"), tok.AccessToken)
	if err != nil {
		var se *statusError
		if errors.As(err, &se) {
			return raw, nil
		}
		return nil, p.fetchError(err)
	}
	var entries []emailEntry
	for _, e := range items(v) {
		if m := obj(e); m != nil {
			entries = append(entries, emailEntry{Email: str(m["email"]), Primary: truthy(m[primary]), Verified: truthy(m[verified])})
		}
	}
	applyEmails(raw, entries)
	return raw, nil
}

// emailEntry is one address of a provider's e-mail list (GitHub's
// /user/emails, Bitbucket's /2.0/user/emails).
type emailEntry struct {
	Email             string
	Primary, Verified bool
}

// applyEmails sets raw["email"] and raw["email_verified"] from a list of
// addresses: when raw already has an address, only whether the list says
// it is verified; otherwise the primary verified address, else the first
// verified one, else nothing.
func applyEmails(raw map[string]any, entries []emailEntry) {
	if have := str(raw["email"]); have != "" {
		for _, e := range entries {
			if strings.EqualFold(e.Email, have) {
				raw["email_verified"] = e.Verified
				return
			}
		}
		raw["email_verified"] = false
		return
	}
	pick := ""
	for _, e := range entries {
		if e.Primary && e.Verified && e.Email != "" {
			pick = e.Email
			break
		}
	}
	if pick == "" {
		for _, e := range entries {
			if e.Verified && e.Email != "" {
				pick = e.Email
				break
			}
		}
	}
	if pick != "" {
		raw["email"] = pick
		raw["email_verified"] = true
	} else {
		raw["email_verified"] = false
	}
}

// subURL is base + "/" + name, base without a trailing slash or query.
func subURL(base, name string) string {
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	return strings.TrimSuffix(base, "/") + "/" + name
}

// mapGitHub is Auth.js's GitHub mapping: id as a decimal string, name or
// else login, email, avatar_url; EmailVerified as fetchGitHub found it.
func mapGitHub(raw map[string]any) (Profile, error) {
	id := str(raw["id"])
	if id == "" {
		return Profile{}, missingID("github")
	}
	return Profile{
		ID:            id,
		Name:          first(str(raw["name"]), str(raw["login"])),
		Email:         str(raw["email"]),
		Image:         str(raw["avatar_url"]),
		EmailVerified: truthy(raw["email_verified"]),
	}, nil
}

// fetchBitbucket reads GET /2.0/user, then GET /2.0/user/emails (scope
// email) for the address, chosen as for GitHub: the primary confirmed
// address, else the first confirmed one, never an unconfirmed one.
// Auth.js reads no address from Bitbucket at all.
func fetchBitbucket(ctx context.Context, client *http.Client, p *Provider, tok *Token) (map[string]any, error) {
	values := func(v any) []any { l, _ := at(obj(v), "values").([]any); return l }
	return fetchWithEmails(ctx, client, p, tok, values, "is_primary", "is_confirmed")
}

// mapBitbucket is Auth.js's Bitbucket mapping (id from account_id, name
// from display_name else username, image from links.avatar.href) plus the
// address fetchBitbucket found.
func mapBitbucket(raw map[string]any) (Profile, error) {
	id := str(raw["account_id"])
	if id == "" {
		return Profile{}, missingID("bitbucket")
	}
	return Profile{
		ID:            id,
		Name:          first(str(raw["display_name"]), str(raw["username"])),
		Email:         str(raw["email"]),
		Image:         str(at(raw, "links", "avatar", "href")),
		EmailVerified: truthy(raw["email_verified"]),
	}, nil
}
