package templates

// WalletButton is the Sign-In with Ethereum button on the sign-in page. It
// works with an injected EIP-1193 provider (window.ethereum) through the
// script at ScriptURL; without one it says that a wallet is needed.
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
