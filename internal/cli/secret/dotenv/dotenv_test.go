package dotenv

import (
	"errors"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
		found            bool
	}{
		{"bare", "AUTH_SECRET=abc\n", "abc", true},
		{"double quoted", `AUTH_SECRET="a b=c"` + "\n", "a b=c", true},
		{"escapes", `AUTH_SECRET="a\"b\\c\nd"`, "a\"b\\c\nd", true},
		{"single quoted", `AUTH_SECRET='a\nb' # c`, `a\nb`, true},
		{"backquoted", "AUTH_SECRET=`x`", "x", true},
		{"export and spaces", "  export  AUTH_SECRET = \"v\"\r\n", "v", true},
		{"comment after bare", "AUTH_SECRET=abc # the secret\n", "abc", true},
		{"hash inside bare", "AUTH_SECRET=ab#c\n", "ab#c", true},
		{"comment after empty", "AUTH_SECRET= # none yet\n", "", true},
		{"comment after quotes", "AUTH_SECRET=\"a\" # b\n", "a", true},
		{"base64 padding", "AUTH_SECRET=q1w2e3==\n", "q1w2e3==", true},
		{"CRLF", "AUTH_SECRET=abc\r\n", "abc", true},
		{"empty", "AUTH_SECRET=\n", "", true},
		{"last wins", "AUTH_SECRET=a\nAUTH_SECRET=b\n", "b", true},
		{"commented out", "# AUTH_SECRET=a\n", "", false},
		{"prefix of another key", "AUTH_SECRET_1=a\nXAUTH_SECRET=b\n", "", false},
		{"no equals", "AUTH_SECRET\n", "", false},
		{"export alone is a key", "export=1\n", "", false},
		{"empty file", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := Lookup([]byte(tc.data), "AUTH_SECRET")
			if err != nil || got != tc.want || found != tc.found {
				t.Fatalf("Lookup = %q, %v, %v; want %q, %v", got, found, err, tc.want, tc.found)
			}
		})
	}
	if _, _, err := Lookup([]byte("AUTH_SECRET=\"abc\ndef\"\n"), "AUTH_SECRET"); !errors.Is(err, ErrMultiline) {
		t.Errorf("multi-line value: %v", err)
	}
	if v, found, _ := Lookup([]byte("export=1\n"), "export"); !found || v != "1" {
		t.Errorf("a key named export: %q %v", v, found)
	}
}

func TestAssigns(t *testing.T) {
	data := []byte("# AUTH_SECRET=x\nFOO=1\nexport AUTH_SECRET_2=y\n")
	if !Assigns(data, "AUTH_SECRET", "AUTH_SECRET_2") {
		t.Error("AUTH_SECRET_2 not seen")
	}
	if Assigns(data, "AUTH_SECRET") {
		t.Error("a comment counted as an assignment")
	}
}

// TestSetStyle: a value a style cannot hold is written "double quoted".
func TestSetStyle(t *testing.T) {
	for _, tc := range []struct{ data, value, want string }{
		{"K=old # c\n", "a b", "K=\"a b\" # c\n"},
		{"K=old # c\n", "a#b", "K=\"a#b\" # c\n"},
		{"K=old\n", "it's", "K=\"it's\"\n"},
		{"K='old'\n", "it's", "K=\"it's\"\n"},
		{"K=`old`\n", "a`b", "K=\"a`b\"\n"},
		{"K=old\n", "q1w2+/e3==", "K=q1w2+/e3==\n"},
	} {
		got, _, err := Set([]byte(tc.data), "K", tc.value)
		if err != nil || string(got) != tc.want {
			t.Errorf("Set(%q, %q) = %q, %v; want %q", tc.data, tc.value, got, err, tc.want)
		}
		if v, _, err := Lookup(got, "K"); err != nil || v != tc.value {
			t.Errorf("Lookup after Set(%q, %q) = %q, %v", tc.data, tc.value, v, err)
		}
	}
}

func TestSet(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
		replaced         int
	}{
		{"new file", "", "AUTH_SECRET=\"NEW\"\n", 0},
		{"append", "# app\nFOO=1\n", "# app\nFOO=1\nAUTH_SECRET=\"NEW\"\n", 0},
		{"append without final newline", "FOO=1", "FOO=1\nAUTH_SECRET=\"NEW\"\n", 0},
		{"append CRLF", "FOO=1\r\nBAR=2", "FOO=1\r\nBAR=2\r\nAUTH_SECRET=\"NEW\"\r\n", 0},
		{"replace in place", "A=1\nAUTH_SECRET=old # note\nB=2\n", "A=1\nAUTH_SECRET=NEW # note\nB=2\n", 1},
		{"keep export and indent", "  export AUTH_SECRET='old'\r\n#c\n", "  export AUTH_SECRET='NEW'\r\n#c\n", 1},
		{"replace every line", "AUTH_SECRET=a\nX=1\nAUTH_SECRET=\"b\"", "AUTH_SECRET=NEW\nX=1\nAUTH_SECRET=\"NEW\"", 2},
		{"keep comment after quotes", "AUTH_SECRET=\"old\" # keep\n", "AUTH_SECRET=\"NEW\" # keep\n", 1},
		{"keep comment and CRLF", "AUTH_SECRET='old'  # keep\r\nB=2\r\n", "AUTH_SECRET='NEW'  # keep\r\nB=2\r\n", 1},
		{"keep tab comment", "AUTH_SECRET=old\t# keep\n", "AUTH_SECRET=NEW\t# keep\n", 1},
		{"keep spacing", "AUTH_SECRET = `old` #k\n", "AUTH_SECRET = `NEW` #k\n", 1},
		{"escaped quote inside", "AUTH_SECRET=\"o\\\"ld\" # keep\n", "AUTH_SECRET=\"NEW\" # keep\n", 1},
		{"empty value, comment", "AUTH_SECRET= # set me\n", "AUTH_SECRET= \"NEW\" # set me\n", 1},
		{"empty value", "AUTH_SECRET=\n", "AUTH_SECRET=\"NEW\"\n", 1},
		{"others untouched", "AUTH_SECRET_1=a\n# AUTH_SECRET=x\nNEXTAUTH_SECRET=n\n", "AUTH_SECRET_1=a\n# AUTH_SECRET=x\nNEXTAUTH_SECRET=n\nAUTH_SECRET=\"NEW\"\n", 0},
		{"blank lines and odd bytes kept", "\n\n  \t\nX=\"é\"\n\n", "\n\n  \t\nX=\"é\"\n\nAUTH_SECRET=\"NEW\"\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := Set([]byte(tc.data), "AUTH_SECRET", "NEW")
			if err != nil || string(got) != tc.want || n != tc.replaced {
				t.Fatalf("Set = %q, %d, %v; want %q, %d", got, n, err, tc.want, tc.replaced)
			}
			if v, found, err := Lookup(got, "AUTH_SECRET"); err != nil || !found || v != "NEW" {
				t.Fatalf("Lookup after Set = %q, %v, %v", v, found, err)
			}
		})
	}
	if _, _, err := Set([]byte("AUTH_SECRET=\"a\nb\"\n"), "AUTH_SECRET", "NEW"); !errors.Is(err, ErrMultiline) {
		t.Errorf("multi-line value: %v", err)
	}
	if _, _, err := Set(nil, "AUTH_SECRET", "a\"b"); err == nil {
		t.Error("a value needing escapes was written")
	}
}
