package providers

import (
	"context"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"strings"
)

// mapGoogle is the OIDC default, with EmailVerified only where Google is
// authoritative for the address: email_verified and either a Gmail
// address or a Workspace account (hd).
func mapGoogle(raw map[string]any) (Profile, error) {
	p, err := mapOIDC("google", raw)
	if err != nil {
		return Profile{}, err
	}
	email := strings.ToLower(p.Email)
	authoritative := strings.HasSuffix(email, "@gmail.com") || strings.HasSuffix(email, "@googlemail.com") || str(raw["hd"]) != ""
	p.EmailVerified = p.EmailVerified && authoritative
	return p, nil
}

// mapGitLab is Auth.js's GitLab mapping: id from sub else id, as a string;
// name else username; email; avatar_url. EmailVerified when the profile
// has confirmed_at.
func mapGitLab(raw map[string]any) (Profile, error) {
	id := first(str(raw["sub"]), str(raw["id"]))
	if id == "" {
		return Profile{}, missingID("gitlab")
	}
	return Profile{
		ID:            id,
		Name:          first(str(raw["name"]), str(raw["username"])),
		Email:         str(raw["email"]),
		Image:         str(raw["avatar_url"]),
		EmailVerified: str(raw["confirmed_at"]) != "",
	}, nil
}

// mapTwitter reads X's answer under "data": id, name, email (when there is
// one), profile_image_url. X has no verified flag.
func mapTwitter(raw map[string]any) (Profile, error) {
	d := obj(raw["data"])
	id := str(d["id"])
	if id == "" {
		return Profile{}, missingID("twitter")
	}
	return Profile{
		ID:    id,
		Name:  str(d["name"]),
		Email: str(d["email"]),
		Image: str(d["profile_image_url"]),
	}, nil
}

// mapSpotify is Auth.js's Spotify mapping: id, display_name, email,
// images[0].url. Spotify has no verified flag.
func mapSpotify(raw map[string]any) (Profile, error) {
	id := str(raw["id"])
	if id == "" {
		return Profile{}, missingID("spotify")
	}
	img := ""
	if imgs, ok := raw["images"].([]any); ok && len(imgs) > 0 {
		img = str(at(obj(imgs[0]), "url"))
	}
	return Profile{
		ID:    id,
		Name:  str(raw["display_name"]),
		Email: str(raw["email"]),
		Image: img,
	}, nil
}

// mapFacebook is Auth.js's Facebook mapping: id, name, email,
// picture.data.url. Facebook has no verified flag.
func mapFacebook(raw map[string]any) (Profile, error) {
	id := str(raw["id"])
	if id == "" {
		return Profile{}, missingID("facebook")
	}
	return Profile{
		ID:    id,
		Name:  str(raw["name"]),
		Email: str(raw["email"]),
		Image: str(at(raw, "picture", "data", "url")),
	}, nil
}

// entraPhotoURL is the signed-in user's 48x48 photo in Microsoft Graph.
var entraPhotoURL = "https://graph.microsoft.com/v1.0/me/photos/48x48/$value"

// maxPhotoSize bounds the photo read from Graph (a 48x48 JPEG is a few KB).
const maxPhotoSize = 256 << 10

// fetchEntra reads the userinfo answer (when discovery gave a userinfo
// endpoint) and the user's Graph photo, which becomes picture as a
// data:image/jpeg;base64, URL. The userinfo picture is dropped: it is a
// Graph URL that needs a token. A missing photo or a failed photo request
// is no error.
func fetchEntra(ctx context.Context, client *http.Client, p *Provider, tok *Token) (map[string]any, error) {
	raw, err := FetchUserInfo(ctx, client, p, tok)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		raw = map[string]any{}
	}
	delete(raw, "picture")
	if tok == nil || tok.AccessToken == "" {
		return raw, nil
	}
	if img, err := fetchPhoto(ctx, client, entraPhotoURL, tok.AccessToken); err == nil && img != "" {
		raw["picture"] = img
	} else if errors.Is(err, context.Canceled) {
		return nil, p.fetchError(err)
	}
	return raw, nil
}

// fetchPhoto GETs an image with a bearer token and returns it as a data
// URL; "" when there is none.
func fetchPhoto(ctx context.Context, client *http.Client, photoURL, bearer string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, photoURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("User-Agent", userAgent)
	resp, err := noRedirects(client).Do(req)
	if err != nil {
		return "", redact(transportError(shownURL(photoURL), err), bearer)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil
	}
	body, err := readLimited(resp, maxPhotoSize)
	if err != nil || len(body) == 0 {
		return "", err
	}
	ct := "image/jpeg"
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "image/") && isMediaType(mt) {
		ct = mt
	}
	return "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(body), nil
}

func isMediaType(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '-' || c == '+' || c == '.') {
			return false
		}
	}
	return true
}

// mapEntra is Auth.js's Entra ID mapping (sub, name, email, the photo),
// with EmailVerified from email_verified or xms_edov when the tenant
// emits them.
func mapEntra(raw map[string]any) (Profile, error) {
	id := str(raw["sub"])
	if id == "" {
		return Profile{}, missingID("microsoft-entra-id")
	}
	img := str(raw["picture"])
	if !strings.HasPrefix(img, "data:image/") {
		img = ""
	}
	return Profile{
		ID:            id,
		Name:          str(raw["name"]),
		Email:         str(raw["email"]),
		Image:         img,
		EmailVerified: truthy(raw["email_verified"]) || truthy(raw["xms_edov"]),
	}, nil
}
