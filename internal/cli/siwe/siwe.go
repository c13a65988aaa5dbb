// Package siwe implements `authkit siwe`: print a Sign-In with Ethereum
// (EIP-4361) message for given fields, and verify a signed one.
package siwe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/authkit-dev/authkit/internal/cli/cmdutil"
	"github.com/authkit-dev/authkit/pkg/providers/siwe"
	"github.com/spf13/cobra"
)

// NewCmdSIWE returns the `authkit siwe` command group.
func NewCmdSIWE(f *cmdutil.Factory) *cobra.Command {
	cmd := cmdutil.Group(&cobra.Command{
		Use:   "siwe",
		Short: "Make and verify Sign-In with Ethereum (EIP-4361) messages",
	})
	cmd.AddCommand(newCmdMessage(f), newCmdVerify(f))
	return cmd
}

// MessageOptions are the inputs of `authkit siwe message`.
type MessageOptions struct {
	Scheme, Domain, Address, Statement, URI string
	ChainID                                 uint64
	Nonce, IssuedAt, Expiration, NotBefore  string
	RequestID                               string
	Resources                               []string
}

func newCmdMessage(f *cmdutil.Factory) *cobra.Command {
	o := &MessageOptions{}
	cmd := &cobra.Command{
		Use:   "message",
		Short: "Print an EIP-4361 message for the given fields",
		Long: `Prints the Sign-In with Ethereum message for the given fields, exactly as a
wallet is asked to sign it, followed by one newline (which is not part of the
message). The address may be given in any case: it is printed EIP-55
checksummed. --nonce defaults to a fresh random nonce, --issued-at to now.`,
		Example: `  authkit siwe message --domain app.example.com --uri https://app.example.com/login \
    --address 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 --statement "Sign in to Example."`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runMessage(f, o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Scheme, "scheme", "", "URI `scheme` of the requesting origin (optional)")
	fl.StringVar(&o.Domain, "domain", "", "requesting `authority` (host[:port]); required")
	fl.StringVar(&o.Address, "address", "", "wallet `address` (0x...); required")
	fl.StringVar(&o.Statement, "statement", "", "one-line `text` shown to the user (optional)")
	fl.StringVar(&o.URI, "uri", "", "`URI` of the resource signing in to; required")
	fl.Uint64Var(&o.ChainID, "chain-id", 1, "EIP-155 chain `id`")
	fl.StringVar(&o.Nonce, "nonce", "", "`nonce` (at least 8 letters and digits; default random)")
	fl.StringVar(&o.IssuedAt, "issued-at", "", "RFC 3339 `time` (default now)")
	fl.StringVar(&o.Expiration, "expiration-time", "", "RFC 3339 `time` after which the message is invalid")
	fl.StringVar(&o.NotBefore, "not-before", "", "RFC 3339 `time` before which the message is invalid")
	fl.StringVar(&o.RequestID, "request-id", "", "request `id` (optional)")
	fl.StringArrayVar(&o.Resources, "resource", nil, "resource `URI` (repeatable)")
	return cmd
}

func runMessage(f *cmdutil.Factory, o *MessageOptions) error {
	const action = "make SIWE message"
	for _, req := range []struct{ flag, v string }{{"--domain", o.Domain}, {"--address", o.Address}, {"--uri", o.URI}} {
		if req.v == "" {
			return cmdutil.UsageError(action, "%s is required", req.flag)
		}
	}
	addr := siwe.Checksum(o.Address)
	if addr == "" {
		return cmdutil.Usage(action, "pass --address 0x and 40 hex digits", "--address %q is not an Ethereum address", o.Address)
	}
	m := &siwe.Message{
		Scheme: o.Scheme, Domain: o.Domain, Address: addr, Statement: o.Statement, URI: o.URI,
		Version: siwe.Version, ChainID: o.ChainID, Nonce: o.Nonce, IssuedAt: o.IssuedAt,
		ExpirationTime: o.Expiration, NotBefore: o.NotBefore, RequestID: o.RequestID, Resources: o.Resources,
	}
	if m.Nonce == "" {
		m.Nonce = siwe.NewNonce()
	}
	if m.IssuedAt == "" {
		m.IssuedAt = f.Now().UTC().Format(time.RFC3339)
	}
	if err := m.Validate(); err != nil {
		return &cmdutil.Error{Action: action, Err: err, Fix: "fix the flag the message names", Code: cmdutil.ExitUsage}
	}
	_, err := fmt.Fprintln(f.IO.Out, m.String())
	return cmdutil.OutputError(err)
}

// VerifyOptions are the inputs of `authkit siwe verify`.
type VerifyOptions struct {
	Message   string
	Signature string
	Domain    string
	Scheme    string
	URI       string
	Nonce     string
	ChainIDs  []uint
	At        string
	JSON      bool
}

const verifyAction = "verify SIWE message"

func newCmdVerify(f *cmdutil.Factory) *cobra.Command {
	o := &VerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify --message FILE --signature HEX",
		Short: "Verify a signed EIP-4361 message (exit 4 when it is not valid)",
		Long: `Parses the message in FILE (- reads stdin) strictly, checks its times at
--at (default now) and its personal_sign signature (65 bytes in hex), and
prints the signer. One final newline in FILE is ignored; the message itself
never ends with one.

--domain, --nonce, --chain-id and --uri say what a server would expect.
Those not given are taken from the message and so are not checked (stderr
says which). Exits 0 when the message is valid, 4 with the reason when not.`,
		Example: `  authkit siwe verify --message msg.txt --signature 0x... --domain app.example.com --nonce Xq2hT9vLm4Pz8Rk1
  pbpaste | authkit siwe verify --message - --signature 0x... --at 2026-01-15T10:05:00Z`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Message == "" || o.Signature == "" {
				return cmdutil.UsageError(verifyAction, "--message and --signature are required")
			}
			return runVerify(f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Message, "message", "", "`file` holding the message (- for stdin)")
	fl.StringVar(&o.Signature, "signature", "", "the signature in `hex` (0x and 130 hex digits)")
	fl.StringVar(&o.Domain, "domain", "", "expected `authority` (default: the message's, unchecked)")
	fl.StringVar(&o.Scheme, "scheme", "", "expected `scheme` when the message names one (default https)")
	fl.StringVar(&o.URI, "uri", "", "expected `URI` (default: unchecked)")
	fl.StringVar(&o.Nonce, "nonce", "", "expected `nonce` (default: the message's, unchecked)")
	fl.UintSliceVar(&o.ChainIDs, "chain-id", nil, "accepted chain `ids` (default: the message's, unchecked)")
	fl.StringVar(&o.At, "at", "", "RFC 3339 `time` to check the message at (default now)")
	fl.BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

func runVerify(f *cmdutil.Factory, o *VerifyOptions) error {
	now := f.Now()
	if o.At != "" {
		t, err := time.Parse(time.RFC3339, o.At)
		if err != nil {
			return cmdutil.Usage(verifyAction, "pass --at as an RFC 3339 time, e.g. 2026-01-15T10:05:00Z", "--at %q is not an RFC 3339 time", o.At)
		}
		now = t
	}
	text, err := readMessage(f, o.Message)
	if err != nil {
		return cmdutil.Fail(verifyAction, err, "give --message a file holding the message, or - for stdin")
	}
	m, err := siwe.Parse(text)
	if err != nil {
		return invalid(f, o, err)
	}
	opts := siwe.VerifyOptions{Domain: o.Domain, Scheme: o.Scheme, URI: o.URI, Nonce: o.Nonce, Now: now}
	for _, id := range o.ChainIDs {
		opts.ChainIDs = append(opts.ChainIDs, uint64(id))
	}
	var unchecked []string
	if opts.Domain == "" {
		opts.Domain = m.Domain
		unchecked = append(unchecked, "domain")
	}
	if opts.Nonce == "" {
		opts.Nonce = m.Nonce
		unchecked = append(unchecked, "nonce")
	}
	if len(opts.ChainIDs) == 0 {
		opts.ChainIDs = []uint64{m.ChainID}
		unchecked = append(unchecked, "chain id")
	}
	if opts.URI == "" {
		unchecked = append(unchecked, "URI")
	}
	if len(unchecked) > 0 && !o.JSON {
		fmt.Fprintf(f.IO.ErrOut, "note: not checked against an expected value: %s\n", strings.Join(unchecked, ", "))
	}
	if err := siwe.Verify(m, o.Signature, opts); err != nil {
		return invalid(f, o, err)
	}
	account := siwe.AccountID(m.ChainID, m.Address)
	if o.JSON {
		return cmdutil.OutputError(cmdutil.PrintJSON(f.IO.Out, map[string]any{
			"valid": true, "address": m.Address, "chainId": m.ChainID, "accountId": account, "unchecked": nonNil(unchecked),
		}))
	}
	_, err = fmt.Fprintf(f.IO.Out, "valid: signed by %s (%s)\n", m.Address, account)
	return cmdutil.OutputError(err)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// invalid reports a message that does not verify: exit 4, with the reason
// (and, with --json, {"valid": false, "reason", "error"} on stdout).
func invalid(f *cmdutil.Factory, o *VerifyOptions, err error) error {
	if o.JSON {
		_ = cmdutil.PrintJSON(f.IO.Out, map[string]any{"valid": false, "reason": reason(err), "error": err.Error()})
	}
	return &cmdutil.Error{Action: verifyAction, Err: err, Fix: fixFor(err), Code: cmdutil.ExitCredential}
}

func reason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{
		{siwe.ErrMalformed, "malformed"}, {siwe.ErrDomain, "domain"}, {siwe.ErrURI, "uri"},
		{siwe.ErrChain, "chain"}, {siwe.ErrNonce, "nonce"}, {siwe.ErrExpired, "expired"},
		{siwe.ErrNotYetValid, "not-yet-valid"}, {siwe.ErrSignature, "signature"},
	} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "error"
}

func fixFor(err error) string {
	switch {
	case errors.Is(err, siwe.ErrExpired), errors.Is(err, siwe.ErrNotYetValid):
		return "sign a fresh message, or check it at another time with --at"
	case errors.Is(err, siwe.ErrSignature):
		return "the signature must be personal_sign over the exact message bytes by the message's address"
	}
	return ""
}

const maxMessageInput = siwe.MaxMessageBytes + 1

// readMessage reads the message file (- is stdin), refusing more than the
// parser accepts, and drops one final newline.
func readMessage(f *cmdutil.Factory, name string) (string, error) {
	var r io.Reader
	if name == "-" {
		r = f.IO.In
	} else {
		file, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer file.Close()
		r = file
	}
	data, err := io.ReadAll(io.LimitReader(r, maxMessageInput+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxMessageInput {
		return "", fmt.Errorf("message longer than %d bytes", siwe.MaxMessageBytes)
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}
