#!/usr/bin/env node
// Compile the benchmark peers from their npm packages and print {name: {abi, bytecode}} as JSON:
//  - EAS (SchemaRegistry + EAS) 1.4.1 with the compiler it pins (solc 0.8.19) and OpenZeppelin 4.9,
//    as its authors build it (optimizer on, 1,000,000 runs);
//  - a bare OpenZeppelin 5.0.2 ERC721 exposing _mint, with our pinned solc and settings.
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const NM = path.join(ROOT, "node_modules");

function compile(solc, sources, remap, settings) {
  const input = {
    language: "Solidity",
    sources,
    settings: {
      ...settings,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const findImports = (p) => {
    for (const [prefix, dir] of remap) {
      if (p.startsWith(prefix)) {
        const file = path.join(dir, p.slice(prefix.length));
        if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
      }
    }
    return { error: `not found: ${p}` };
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (out.errors || []).filter((e) => e.severity === "error");
  if (errors.length) {
    process.stderr.write(errors.map((e) => e.formattedMessage).join("\n"));
    process.exit(1);
  }
  return out.contracts;
}

const easDir = path.join(NM, "@ethereum-attestation-service", "eas-contracts", "contracts");
const eas = compile(
  require(path.join(NM, "solc-0.8.19")),
  {
    "eas/SchemaRegistry.sol": { content: fs.readFileSync(path.join(easDir, "SchemaRegistry.sol"), "utf8") },
    "eas/EAS.sol": { content: fs.readFileSync(path.join(easDir, "EAS.sol"), "utf8") },
  },
  [
    ["@openzeppelin/contracts/", path.join(NM, "@openzeppelin", "contracts-4.9")],
    ["eas/", easDir],
  ],
  { optimizer: { enabled: true, runs: 1000000 }, evmVersion: "paris" },
);

const erc721 = compile(
  require(path.join(NM, "solc")),
  {
    "BenchERC721.sol": {
      content: `// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
contract BenchERC721 is ERC721 {
    constructor() ERC721("Bench", "B") {}
    function mint(address to, uint256 id) external { _mint(to, id); }
}`,
    },
  },
  [["@openzeppelin/contracts/", path.join(NM, "@openzeppelin", "contracts")]],
  { optimizer: { enabled: true, runs: 200 }, evmVersion: "shanghai" },
);

const pick = (c, file, name) => ({ abi: c[file][name].abi, bytecode: "0x" + c[file][name].evm.bytecode.object });
process.stdout.write(
  JSON.stringify({
    SchemaRegistry: pick(eas, "eas/SchemaRegistry.sol", "SchemaRegistry"),
    EAS: pick(eas, "eas/EAS.sol", "EAS"),
    BenchERC721: pick(erc721, "BenchERC721.sol", "BenchERC721"),
  }),
);
