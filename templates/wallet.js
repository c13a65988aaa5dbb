// authkit: Sign-In with Ethereum (EIP-4361) on the built-in sign-in page.
// It talks to an injected EIP-1193 wallet (window.ethereum) and to the
// auth routes of this origin; it uses no framework and loads nothing, so
// that it runs under "script-src 'self'; connect-src 'self'".
//
// On a click: the wallet's account (eth_requestAccounts) and chain
// (eth_chainId); POST form[data-nonce-url] {csrfToken, address, chainId}
// for a server-issued nonce and the exact message to sign; personal_sign
// of that message by the wallet; POST form[action] {message, signature,
// csrfToken, callbackUrl} with X-Auth-Return-Redirect: 1; then go to the
// URL it answers (the callback URL, or the sign-in page with an error).
(function () {
  "use strict";

  var form = document.querySelector('form[data-provider-type="siwe"]');
  if (!form) {
    return;
  }
  var button = form.querySelector("button");
  var status = form.querySelector('[role="status"]');
  var busy = false;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function field(name) {
    var el = form.querySelector('input[name="' + name + '"]');
    return el ? el.value : "";
  }

  // personal_sign takes the message as 0x-prefixed hex of its UTF-8 bytes.
  function toHex(text) {
    var bytes = new TextEncoder().encode(text);
    var out = "0x";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Auth-Return-Redirect": "1" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(
        function (data) { return { ok: res.ok, data: data }; },
        function () { return { ok: res.ok, data: null }; }
      );
    });
  }

  function problem(message) {
    var err = new Error(message);
    err.forUser = message;
    return err;
  }

  async function signIn(wallet) {
    say("Waiting for your wallet\u2026");
    var accounts = await wallet.request({ method: "eth_requestAccounts" });
    if (!accounts || !accounts.length || typeof accounts[0] !== "string") {
      throw problem("Your wallet shared no account. Unlock it and try again.");
    }
    var address = accounts[0];
    var chainId = "";
    try {
      var hex = await wallet.request({ method: "eth_chainId" });
      if (typeof hex === "string" && /^0x[0-9a-fA-F]+$/.test(hex)) {
        chainId = String(parseInt(hex, 16));
      }
    } catch (e) {
      // Without the chain the server proposes its first accepted one.
    }
    var csrfToken = field("csrfToken");
    var nonce = await post(form.getAttribute("data-nonce-url"), {
      csrfToken: csrfToken, address: address, chainId: chainId
    });
    var n = nonce.data || {};
    if (!nonce.ok || typeof n.message !== "string") {
      if (n.error === "UnsupportedChain" && Array.isArray(n.chainIds)) {
        throw problem("Switch your wallet to a supported network (chain " + n.chainIds.join(", ") + ") and try again.");
      }
      if (n.error === "MissingCSRF") {
        throw problem("The sign-in page has expired. Reload it and try again.");
      }
      throw problem("The server could not start Sign-In with Ethereum. Please try again.");
    }
    say("Sign the message in your wallet\u2026");
    var signature = await wallet.request({ method: "personal_sign", params: [toHex(n.message), address] });
    if (typeof signature !== "string") {
      throw problem("Your wallet returned no signature. Please try again.");
    }
    say("Signing in\u2026");
    var done = await post(form.getAttribute("action"), {
      message: n.message, signature: signature, csrfToken: csrfToken, callbackUrl: field("callbackUrl")
    });
    if (!done.data || typeof done.data.url !== "string") {
      throw problem("The server did not answer the sign-in. Please try again.");
    }
    window.location.assign(done.data.url);
  }

  button.addEventListener("click", function () {
    var wallet = window.ethereum;
    if (!wallet || typeof wallet.request !== "function") {
      say("No Ethereum wallet found in this browser. Install a wallet extension, or use a browser with one.");
      return;
    }
    if (busy) {
      return;
    }
    busy = true;
    button.disabled = true;
    signIn(wallet).catch(function (err) {
      if (err && err.forUser) {
        say(err.forUser);
      } else if (err && err.code === 4001) {
        say("You declined the request in your wallet.");
      } else {
        say("Sign-In with Ethereum did not complete. Please try again.");
      }
    }).then(function () {
      busy = false;
      button.disabled = false;
    });
  });
})();
