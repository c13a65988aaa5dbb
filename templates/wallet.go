package templates

import (
	_ "embed"
	"slices"
)

// WalletButton is the Sign-In with Ethereum button on the sign-in page. It
// works with an injected EIP-1193 provider (window.ethereum) through the
// script at ScriptURL; without one it says that a wallet is needed.
//
// The page renders it as a form (POST to Action) that carries the hidden
// csrfToken and callbackUrl, a type="button" button (so that, without
// the script, pressing it does nothing), a status region the script
// writes to, and one <script src=ScriptURL defer>. The page's
// Content-Security-Policy must allow scripts and connections to 'self'.
type WalletButton struct {
	// NonceURL is where the script POSTs (with the CSRF token) for a
	// server-issued nonce and the message fields (…/siwe/nonce).
	NonceURL string
	// Action is the URL the signed message is POSTed to (…/callback/siwe).
	Action string
	// ScriptURL is the same-origin script that drives the wallet
	// (…/siwe/wallet.js).
	ScriptURL string
}

//go:embed wallet.js
var walletScript []byte

// WalletScript returns the script the sign-in page loads from
// WalletButton.ScriptURL (serve it as text/javascript). It uses no
// framework and loads nothing; on a click it asks the injected wallet
// (window.ethereum) for its account and chain, POSTs them with the
// page's CSRF token to NonceURL for the message to sign (built by the
// server), has the wallet personal_sign it, POSTs message and signature
// to Action with X-Auth-Return-Redirect: 1 and follows the URL it gets.
// Without a wallet it says so in the status region.
func WalletScript() []byte { return slices.Clone(walletScript) }
