package providers

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMapProfiles(t *testing.T) {
	tests := []struct {
		provider string
		file     string
		extra    map[string]any // added to the sample (what a FetchProfile adds)
		want     Profile
	}{
		{"github", "github-user.json", map[string]any{"email_verified": true}, Profile{
			ID: "583231", Name: "The Octocat", Email: "octocat@github.com",
			Image: "https://avatars.githubusercontent.com/u/583231?v=4", EmailVerified: true,
		}},
		{"github", "github-user-private.json", nil, Profile{
			ID: "9007199254740993", Name: "monalisa",
			Image: "https://avatars.githubusercontent.com/u/9007199254740993?v=4",
		}},
		{"google", "google-gmail.json", nil, Profile{
			ID: "110169484474386276334", Name: "Jane Doe", Email: "jane.doe@gmail.com",
			Image: "https://lh3.googleusercontent.com/a/ACg8ocJ-example=s96-c", EmailVerified: true,
		}},
		{"google", "google-workspace.json", nil, Profile{
			ID: "104823957234985723498", Name: "John Smith", Email: "j.smith@example.com",
			Image: "https://lh3.googleusercontent.com/a/ACg8ocK-example=s96-c", EmailVerified: true,
		}},
		// Verified once, but Google is not authoritative for the address.
		{"google", "google-other.json", nil, Profile{
			ID: "117654321098765432101", Name: "Some One", Email: "someone@outlook.example",
		}},
		{"discord", "discord-avatar.json", nil, Profile{
			ID: "80351110224678912", Name: "Nelly", Email: "nelly@discord.example",
			Image: "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png", EmailVerified: true,
		}},
		{"discord", "discord-animated.json", nil, Profile{
			ID: "80351110224678912", Name: "nelly", Email: "nelly@discord.example",
			Image: "https://cdn.discordapp.com/avatars/80351110224678912/a_8342729096ea3675442027381ff50dfe.gif",
		}},
		{"discord", "discord-default-new.json", nil, Profile{
			ID: "80351110224678912", Name: "Nelly", Email: "nelly@discord.example",
			Image: "https://cdn.discordapp.com/embed/avatars/5.png", EmailVerified: true, // (80351110224678912 >> 22) % 6
		}},
		{"discord", "discord-default-legacy.json", nil, Profile{
			ID: "53908232506183680", Name: "mason",
			Image: "https://cdn.discordapp.com/embed/avatars/2.png",
		}},
		{"gitlab", "gitlab.json", nil, Profile{
			ID: "1234567", Name: "Jane Doe", Email: "jane@example.com",
			Image: "https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png", EmailVerified: true,
		}},
		{"gitlab", "gitlab-unconfirmed.json", nil, Profile{
			ID: "7654321", Name: "newbie", Email: "newbie@example.com",
			Image: "https://secure.gravatar.com/avatar/0000?s=80&d=identicon",
		}},
		{"apple", "apple-first.json", nil, Profile{
			ID: "001234.56789abcdef0123456789abcdef01.2345", Name: "Jane Appleseed",
			Email: "x7hd92kdq@privaterelay.appleid.com", EmailVerified: true,
		}},
		{"apple", "apple-again.json", nil, Profile{
			ID: "001234.56789abcdef0123456789abcdef01.2345", Name: "jane@icloud.example",
			Email: "jane@icloud.example", EmailVerified: true,
		}},
		{"apple", "apple-again.json", map[string]any{"user": map[string]any{"name": map[string]any{"firstName": "Jane", "lastName": ""}}}, Profile{
			ID: "001234.56789abcdef0123456789abcdef01.2345", Name: "Jane",
			Email: "jane@icloud.example", EmailVerified: true,
		}},
		{"microsoft-entra-id", "microsoft-entra-id.json", nil, Profile{
			ID: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Name: "Adele Vance",
			Email: "AdeleV@contoso.example", Image: "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==",
		}},
		{"microsoft-entra-id", "microsoft-entra-id.json", map[string]any{"xms_edov": true, "picture": "https://graph.microsoft.com/v1.0/me/photo/$value"}, Profile{
			ID: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Name: "Adele Vance",
			Email: "AdeleV@contoso.example", EmailVerified: true,
		}},
		{"auth0", "auth0.json", nil, Profile{
			ID: "auth0|64b7f1e2a9c3d4e5f6a7b8c9", Name: "Jane Doe", Email: "jane.doe@example.com",
			Image: "https://s.gravatar.com/avatar/0123456789abcdef?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png", EmailVerified: true,
		}},
		{"auth0", "auth0-nickname.json", nil, Profile{
			ID: "github|583231", Name: "jd", Email: "jd@example.com",
		}},
		{"okta", "okta.json", nil, Profile{
			ID: "00uid4BxXw6I6TV4m0g3", Name: "john.doe@example.com", Email: "john.doe@example.com", EmailVerified: true,
		}},
		{"keycloak", "keycloak.json", nil, Profile{
			ID: "f3c1b0a2-8e4d-4c6a-9b7e-2d1f0a9c8b7e", Name: "Erika Mustermann", Email: "erika@example.com",
		}},
		{"linkedin", "linkedin.json", nil, Profile{
			ID: "782bbtaQ", Name: "John Doe", Email: "doe@email.example",
			Image: "https://media.licdn.com/dms/image/C5603AQ-example/profile-displayphoto-shrink_100_100/0/1616528391284", EmailVerified: true,
		}},
		{"twitter", "twitter.json", nil, Profile{
			ID: "2244994945", Name: "X Dev",
			Image: "https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg",
		}},
		{"slack", "slack.json", nil, Profile{
			ID: "U0R7JM", Name: "krane", Email: "krane@slack-corp.example",
			Image: "https://secure.gravatar.com/avatar/bc3ca6b3-512.png", EmailVerified: true,
		}},
		{"twitch", "twitch.json", nil, Profile{
			ID: "713936733", Name: "twitchdev", Email: "twitchdev@twitch.example",
			Image: "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-300x300.png", EmailVerified: true,
		}},
		{"spotify", "spotify.json", nil, Profile{
			ID: "wizzler", Name: "JM Wizzler", Email: "email@example.com",
			Image: "https://i.scdn.co/image/ab6775700000ee85-example",
		}},
		{"spotify", "spotify-noimage.json", nil, Profile{
			ID: "quiet-user", Email: "quiet@example.com",
		}},
		{"facebook", "facebook.json", nil, Profile{
			ID: "10158912345678901", Name: "Mark Example", Email: "mark@example.com",
			Image: "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158912345678901&height=50&width=50&ext=1724232000&hash=AbCd",
		}},
		{"bitbucket", "bitbucket-user.json", map[string]any{"email": "ada@example.com", "email_verified": true}, Profile{
			ID: "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443", Name: "Ada Lovelace", Email: "ada@example.com",
			Image: "https://secure.gravatar.com/avatar/abc123?d=https%3A%2F%2Favatar-management--avatars.us-west-2.prod.public.atl-paas.net%2Finitials%2FAL-0.png", EmailVerified: true,
		}},
		{"zitadel", "zitadel.json", nil, Profile{
			ID: "243867863113105411", Name: "Road Runner", Email: "road.runner@acme.example", EmailVerified: true,
		}},
		{"authentik", "authentik.json", nil, Profile{
			ID: "7f6c1b2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8", Name: "authentik Default Admin",
			Email: "akadmin@example.com", EmailVerified: true,
		}},
		{"cognito", "cognito.json", nil, Profile{
			ID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Name: "Jane Doe", Email: "janedoe@example.com", EmailVerified: true,
		}},
		{"oidc", "keycloak.json", nil, Profile{
			ID: "f3c1b0a2-8e4d-4c6a-9b7e-2d1f0a9c8b7e", Name: "Erika Mustermann", Email: "erika@example.com",
		}},
		{"oauth2", "gitlab.json", nil, Profile{
			ID: "1234567", Name: "Jane Doe", Email: "jane@example.com",
		}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			p := mustLookup(t, tt.provider)
			raw := sampleProfile(t, tt.file)
			for k, v := range tt.extra {
				raw[k] = v
			}
			got, err := p.Normalise(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
		covered[tt.provider] = true
	}
	for _, id := range IDs() {
		if !covered[id] {
			t.Errorf("no mapping test for provider %s", id)
		}
	}
}

func TestMapProfileNoID(t *testing.T) {
	for _, id := range IDs() {
		p := mustLookup(t, id)
		_, err := p.Normalise(map[string]any{"name": "x", "email": "x@example.com", "data": map[string]any{}})
		if err == nil {
			t.Errorf("%s: a profile without an id was accepted", id)
			continue
		}
		if !strings.HasPrefix(err.Error(), "authkit: cannot read the "+id+" profile: ") {
			t.Errorf("%s: error %q", id, err)
		}
	}
	if _, err := mustLookup(t, "github").Normalise(nil); err == nil {
		t.Error("a nil profile was accepted")
	}
}

func TestNumbersStayExact(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{json.Number("9007199254740993"), "9007199254740993"},
		{json.Number("18446744073709551615"), "18446744073709551615"},
		{json.Number("1e3"), "1000"},
		{json.Number("12.5"), "12.5"},
		{float64(583231), "583231"},
		{float64(1e21), "1000000000000000000000"},
		{int64(42), "42"},
		{"0042", "0042"},
		{true, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := str(tt.in); got != tt.want {
			t.Errorf("str(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A float64-decoded GitHub id prints in decimal, never 5.83231e+05.
	p, err := mustLookup(t, "github").Normalise(map[string]any{"id": float64(12345678), "login": "x"})
	if err != nil || p.ID != "12345678" {
		t.Errorf("got %q, %v", p.ID, err)
	}
}

func TestNormaliseCleansImage(t *testing.T) {
	p := NewOIDC("x", "X", "https://x.example")
	for pic, want := range map[string]string{
		"javascript:alert(1)":           "",
		"  https://img.example/a.png  ": "https://img.example/a.png",
		"http://img.example/a.png":      "http://img.example/a.png",
		"data:image/png;base64,AAAA":    "data:image/png;base64,AAAA",
		"data:text/html,<script>":       "",
		"//img.example/a.png":           "",
		"vbscript:x":                    "",
		"https:///nohost":               "",
	} {
		got, err := p.Normalise(map[string]any{"sub": "1", "picture": pic})
		if err != nil {
			t.Fatal(err)
		}
		if got.Image != want {
			t.Errorf("picture %q: image %q, want %q", pic, got.Image, want)
		}
	}
	// An e-mail flag without an address means nothing.
	got, _ := p.Normalise(map[string]any{"sub": "1", "email_verified": true})
	if got.EmailVerified {
		t.Error("EmailVerified without an email")
	}
}

func TestEmailVerifiedForms(t *testing.T) {
	for v, want := range map[any]bool{true: true, "true": true, "TRUE": true, false: false, "false": false, "1": false, nil: false} {
		got, err := MapOIDCProfile(map[string]any{"sub": "s", "email": "a@b.example", "email_verified": v})
		if err != nil {
			t.Fatal(err)
		}
		if got.EmailVerified != want {
			t.Errorf("email_verified %#v: %v", v, got.EmailVerified)
		}
	}
}

func TestParseProfileJSON(t *testing.T) {
	for _, bad := range []string{`[]`, `"x"`, `{`, `{} {}`, ``} {
		if _, err := ParseProfileJSON([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
