#!/usr/bin/env node
// Builds a certificate batch with OpenZeppelin's reference implementation (@openzeppelin/merkle-tree,
// StandardMerkleTree) so the contract's MerkleProof verification is checked against vectors that our
// own code did not produce.
//
// stdin:  {"values": [[deviceId, reportSha256, dataRoot, testSpec, result, validUntil], ...]}
//         (uint256/uint64 as decimal strings, bytes32 as 0x-hex, result as a number)
// stdout: {"root": "0x..", "leaves": [{"index": i, "hash": "0x..", "proof": ["0x..", ...]}, ...]}
//         where index is the position in the input (proofs come from tree.getProof(index)).
'use strict';

const path = require('path');
const { StandardMerkleTree } = require(path.join(__dirname, '..', '..', '..', 'node_modules', '@openzeppelin', 'merkle-tree'));

const LEAF_TYPES = ['uint256', 'bytes32', 'bytes32', 'bytes32', 'uint8', 'uint64'];

function main(input) {
  const { values } = JSON.parse(input);
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error('expected a non-empty "values" array');
  }
  const tree = StandardMerkleTree.of(values, LEAF_TYPES);
  const leaves = values.map((value, index) => ({
    index,
    hash: tree.leafHash(value),
    proof: tree.getProof(index),
  }));
  return { root: tree.root, leaves };
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(main(input)));
});
