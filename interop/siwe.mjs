// siwe.mjs: Sign-In with Ethereum vectors from the real `siwe` and `ethers`
// packages, for authkit's pkg/providers/siwe tests.
//
//   node interop/siwe.mjs vectors          > testdata/siwe/vectors.json
//   node interop/siwe.mjs sign  < fields.json   # {"message","signature","address"}
//   node interop/siwe.mjs parse < message.txt   # the fields siwe parses, or {"error"}
//
// Test keys only: these are well-known development keys, never real funds.
import { SiweMessage } from 'siwe';
import { Wallet, getAddress } from 'ethers';
import { readFileSync } from 'node:fs';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const OTHER_KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';

const base = {
  domain: 'app.example.com',
  uri: 'https://app.example.com/login',
  version: '1',
  chainId: 1,
  nonce: 'Xq2hT9vLm4Pz8Rk1',
  issuedAt: '2026-01-15T10:00:00.000Z',
};

function prepare(fields) {
  return new SiweMessage({ ...fields }).prepareMessage();
}

async function sign(fields, key = KEY) {
  const wallet = new Wallet(key);
  const f = { ...fields, address: fields.address ?? wallet.address };
  const message = prepare(f);
  const signature = await wallet.signMessage(message);
  return { message, signature, address: f.address };
}

async function vectors() {
  const wallet = new Wallet(KEY);
  const other = new Wallet(OTHER_KEY);
  const at = '2026-01-15T10:05:00Z';
  const verify = { domain: base.domain, uri: base.uri, chainIds: [1], nonce: base.nonce, at };
  const cases = [
    { name: 'minimal', fields: { ...base } },
    { name: 'statement', fields: { ...base, statement: 'Sign in to Example with your wallet.' } },
    {
      name: 'full',
      fields: {
        ...base,
        scheme: 'https',
        statement: "I accept the Terms of Service: https://app.example.com/tos",
        chainId: 10,
        expirationTime: '2026-01-15T11:00:00.000Z',
        notBefore: '2026-01-15T09:59:00.000Z',
        requestId: 'req-42',
        resources: ['ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/', 'https://app.example.com/profile'],
      },
      verify: { ...verify, chainIds: [1, 10] },
    },
    { name: 'port-domain', fields: { ...base, domain: 'localhost:3000', uri: 'http://localhost:3000/' }, verify: { ...verify, domain: 'localhost:3000', uri: 'http://localhost:3000/' } },
  ];
  const out = [];
  for (const c of cases) {
    const s = await sign(c.fields);
    out.push({ name: c.name, fields: c.fields, ...s, verify: c.verify ?? verify, error: '' });
  }
  // Negative variants.
  {
    const message = prepare({ ...base, address: wallet.address });
    const signature = await other.signMessage(message);
    out.push({ name: 'wrong-key', fields: base, message, signature, address: wallet.address, verify, error: 'signature' });
  }
  {
    const s = await sign({ ...base, statement: 'Sign in to Example.' });
    const message = s.message.replace('Sign in to Example.', 'Sign in to Evil.....');
    out.push({ name: 'tampered', fields: base, message, signature: s.signature, address: s.address, verify, error: 'signature' });
  }
  {
    const s = await sign({ ...base, expirationTime: '2026-01-15T10:01:00.000Z' });
    out.push({ name: 'expired', fields: base, ...s, verify, error: 'expired' });
  }
  {
    const s = await sign({ ...base, notBefore: '2026-01-15T11:00:00.000Z' });
    out.push({ name: 'not-yet-valid', fields: base, ...s, verify, error: 'not-yet-valid' });
  }
  {
    const s = await sign(base);
    out.push({ name: 'wrong-domain', fields: base, ...s, verify: { ...verify, domain: 'evil.example.com' }, error: 'domain' });
    out.push({ name: 'wrong-chain', fields: base, ...s, verify: { ...verify, chainIds: [137] }, error: 'chain' });
    out.push({ name: 'wrong-nonce', fields: base, ...s, verify: { ...verify, nonce: 'Zz9yY8xX7wW6' }, error: 'nonce' });
    out.push({ name: 'wrong-uri', fields: base, ...s, verify: { ...verify, uri: 'https://app.example.com/other' }, error: 'uri' });
  }
  {
    // siwe itself refuses a lower-case address, and so does authkit
    // (decision): the text is made by hand and signed by the right key.
    const message = prepare({ ...base, address: wallet.address }).replace(wallet.address, wallet.address.toLowerCase());
    const signature = await wallet.signMessage(message);
    out.push({ name: 'lower-case-address', fields: base, message, signature, address: wallet.address.toLowerCase(), verify, error: 'malformed' });
  }
  const lower = wallet.address.toLowerCase();
  const checksums = [lower, other.address.toLowerCase(), '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359', '0xde709f2102306220921060314715629080e2fb77'].map((a) => ({
    lower: a,
    checksummed: getAddress(a),
  }));
  return {
    generator: 'node interop/siwe.mjs vectors',
    siwe: '3.0.0',
    ethers: '6.17.0',
    key: KEY,
    address: wallet.address,
    vectors: out,
    checksums,
  };
}

function parse(text) {
  try {
    const m = new SiweMessage(text);
    return {
      scheme: m.scheme ?? '',
      domain: m.domain,
      address: m.address,
      statement: m.statement ?? '',
      uri: m.uri,
      version: m.version,
      chainId: Number(m.chainId),
      nonce: m.nonce,
      issuedAt: m.issuedAt ?? '',
      expirationTime: m.expirationTime ?? '',
      notBefore: m.notBefore ?? '',
      requestId: m.requestId ?? '',
      resources: m.resources ?? [],
      prepared: m.prepareMessage(),
    };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
}

const cmd = process.argv[2];
if (cmd === 'vectors') {
  process.stdout.write(JSON.stringify(await vectors(), null, 2) + '\n');
} else if (cmd === 'sign') {
  const fields = JSON.parse(readFileSync(0, 'utf8'));
  process.stdout.write(JSON.stringify(await sign(fields)) + '\n');
} else if (cmd === 'parse') {
  process.stdout.write(JSON.stringify(parse(readFileSync(0, 'utf8'))) + '\n');
} else {
  process.stderr.write('usage: node interop/siwe.mjs vectors | sign < fields.json | parse < message.txt\n');
  process.exit(2);
}
