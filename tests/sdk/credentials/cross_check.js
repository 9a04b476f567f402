#!/usr/bin/env node
// Independent checks of fabtrust credentials with npm libraries, fully offline:
//  - the VC-JOSE JWT verifies with `jose` (ES256K, the key embedded in the protected header),
//  - the credential canonicalizes with `jsonld` (URDNA2015 / RDFC-1.0 N-Quads), with a document
//    loader that serves only the contexts shipped in sdk/fabtrust/credentials/contexts and refuses
//    every other URL.
//
// stdin:  {"jwt": "<compact JWS>" | null, "document": {...} | null}
// stdout: {"jose": {"ok": true, "payload": {...}, "header": {...}} | {"ok": false, "error": "..."},
//          "nquads": "..." | null, "jsonld_error": "..." | null}
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..', '..');
const jose = require(path.join(ROOT, 'node_modules', 'jose'));
const jsonld = require(path.join(ROOT, 'node_modules', 'jsonld'));

const CONTEXT_DIR = path.join(ROOT, 'sdk', 'fabtrust', 'credentials', 'contexts');
const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/': 'untp-dcc-0.6.1.jsonld',
  'https://w3id.org/fabtrust/credentials/v1': 'fabtrust-anchor-v1.jsonld',
};

async function documentLoader(url) {
  const name = CONTEXTS[url];
  if (!name) {
    throw new Error(`refused to load ${url}: not a shipped context`);
  }
  const document = JSON.parse(fs.readFileSync(path.join(CONTEXT_DIR, name), 'utf8'));
  return { contextUrl: null, documentUrl: url, document };
}

async function main(input) {
  const { jwt, document } = JSON.parse(input);
  const out = { jose: null, nquads: null, jsonld_error: null };
  if (jwt) {
    try {
      const { payload, protectedHeader } = await jose.compactVerify(jwt, jose.EmbeddedJWK, {
        algorithms: ['ES256K'],
      });
      out.jose = { ok: true, payload: JSON.parse(new TextDecoder().decode(payload)), header: protectedHeader };
    } catch (error) {
      out.jose = { ok: false, error: `${error.code || error.name}: ${error.message}` };
    }
  }
  if (document) {
    try {
      out.nquads = await jsonld.canonize(document, {
        algorithm: 'URDNA2015',
        format: 'application/n-quads',
        documentLoader,
        safe: true,
      });
    } catch (error) {
      const details = error.details && error.details.cause ? ` (${error.details.cause.message})` : '';
      out.jsonld_error = `${error.name}: ${error.message}${details}`;
    }
  }
  process.stdout.write(JSON.stringify(out));
}

let data = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => {
  main(data).catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  });
});
