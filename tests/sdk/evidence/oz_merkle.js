#!/usr/bin/env node
// Reference oracle for tests/sdk/evidence: npm @openzeppelin/merkle-tree driven over stdin/stdout.
//
// Usage: node oz_merkle.js [REPO_ROOT]
//   REPO_ROOT defaults to three directories up from this file; the library is loaded from
//   REPO_ROOT/node_modules/@openzeppelin/merkle-tree.
// Protocol: one JSON request per input line, one JSON response per output line.
//   {"op": "of", "values": [...], "leafEncoding": [...], "sortLeaves": true,
//    "multi": [[valueIndex, ...], ...], "byValue": [valueIndex, ...]}
//     -> {"dump", "root", "render", "proofs": [[...] per value], "multiProofs": [...],
//         "proofsByValue": [...], "leafHashes": [...]}
//   {"op": "load", "dump": {...}, "proofIndices": [valueIndex, ...] (default: all)}
//     -> {"root", "proofs", "dump"}  (load() validates the tree as the JS library does)
//   {"op": "verify", "root", "leafEncoding", "value", "proof"} -> {"ok": bool}
//   {"op": "verifyMulti", "root", "leafEncoding", "multiproof"} -> {"ok": bool}
// Any exception -> {"error": "<message>"}.
'use strict';

const path = require('path');
const readline = require('readline');

const repoRoot = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', '..'));
const { StandardMerkleTree } = require(
  path.join(repoRoot, 'node_modules', '@openzeppelin', 'merkle-tree'),
);

function handle(req) {
  switch (req.op) {
    case 'of': {
      const tree = StandardMerkleTree.of(req.values, req.leafEncoding, {
        sortLeaves: req.sortLeaves !== false,
      });
      const proofs = req.values.map((_, i) => tree.getProof(i));
      return {
        dump: tree.dump(),
        root: tree.root,
        render: tree.render(),
        proofs,
        leafHashes: req.values.map((v) => tree.leafHash(v)),
        proofsByValue: (req.byValue || []).map((i) => tree.getProof(req.values[i])),
        multiProofs: (req.multi || []).map((indices) => tree.getMultiProof(indices)),
      };
    }
    case 'load': {
      const tree = StandardMerkleTree.load(req.dump);
      return {
        root: tree.root,
        proofs: (req.proofIndices || Array.from({ length: tree.length }, (_, i) => i)).map((i) =>
          tree.getProof(i),
        ),
        dump: tree.dump(),
      };
    }
    case 'verify':
      return { ok: StandardMerkleTree.verify(req.root, req.leafEncoding, req.value, req.proof) };
    case 'verifyMulti':
      return {
        ok: StandardMerkleTree.verifyMultiProof(req.root, req.leafEncoding, req.multiproof),
      };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let response;
  try {
    response = handle(JSON.parse(line));
  } catch (err) {
    response = { error: String((err && err.message) || err) };
  }
  process.stdout.write(JSON.stringify(response) + '\n');
});
