#!/usr/bin/env node
// A front over the official Solidity WebAssembly build (npm `solc`) that behaves like the native
// `solc` command line for what py-solc-x and Brownie use:
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths a,b] [FILE|-]
// Standard JSON is read from FILE or stdin and written to stdout; nothing else goes to stdout.
// Imports are resolved by a callback that honours --base-path, --include-path and --allow-paths
// the way the native compiler does (see docs/toolchain.md).
"use strict";

const fs = require("fs");
const path = require("path");

const USAGE = `solc (fabtrust WebAssembly front)

Usage:
  solc --version
  solc --standard-json [--base-path PATH] [--include-path PATH]... [--allow-paths P1,P2] [INPUT.json]

Only --version and --standard-json are supported by this front; use Standard JSON input for
everything else (optimizer, remappings, evmVersion, outputSelection).`;

function fail(message, code = 1) {
  process.stderr.write(`solc: ${message}\n`);
  process.exit(code);
}

function loadCompiler() {
  try {
    return require("solc");
  } catch (err) {
    fail(
      "the npm package 'solc' is not installed next to this front; run `npm ci` in the fabtrust checkout",
    );
  }
}

function parseArgs(argv) {
  const opts = { basePath: "", includePaths: [], allowPaths: [], mode: null, input: null };
  const takesValue = new Set(["--base-path", "--include-path", "--allow-paths"]);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (takesValue.has(arg) && value === null) {
      if (i + 1 >= argv.length) fail(`option ${arg} needs a value`);
      value = argv[++i];
    }
    switch (arg) {
      case "--version":
        opts.mode = opts.mode || "version";
        break;
      case "--help":
      case "-h":
        opts.mode = "help";
        break;
      case "--standard-json":
        opts.mode = "standard-json";
        break;
      case "--base-path":
        opts.basePath = value;
        break;
      case "--include-path":
        opts.includePaths.push(value);
        break;
      case "--allow-paths":
        opts.allowPaths.push(...value.split(",").filter((p) => p.length > 0));
        break;
      default:
        if (arg === "-" || !arg.startsWith("-")) {
          if (opts.input !== null) fail("only one Standard JSON input file may be given");
          opts.input = arg;
        } else {
          fail(`option ${arg} is not supported by the WebAssembly front (use --standard-json)`);
        }
    }
  }
  return opts;
}

function isWithin(child, parent) {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function realOrResolved(p) {
  try {
    return fs.realpathSync(p);
  } catch (_) {
    return path.resolve(p);
  }
}

function makeImportCallback(opts) {
  const cwd = process.cwd();
  const base = path.resolve(cwd, opts.basePath || ".");
  const includes = opts.includePaths.map((p) => path.resolve(cwd, p));
  const allowed = [base, ...includes, ...opts.allowPaths.map((p) => path.resolve(cwd, p))].map(
    realOrResolved,
  );
  return function findImports(sourceUnitName) {
    // Native solc: an absolute source unit name is used as is; a relative one is looked up under
    // the base path first, then under each include path, in order.
    const candidates = path.isAbsolute(sourceUnitName)
      ? [sourceUnitName]
      : [base, ...includes].map((root) => path.join(root, sourceUnitName));
    let denied = null;
    for (const candidate of candidates) {
      if (!fs.existsSync(candidate) || !fs.statSync(candidate).isFile()) continue;
      const real = realOrResolved(candidate);
      if (!allowed.some((dir) => isWithin(real, dir))) {
        denied = candidate;
        continue;
      }
      return { contents: fs.readFileSync(candidate, "utf8") };
    }
    if (denied !== null) {
      return { error: `File outside of allowed directories: ${denied}` };
    }
    return { error: `File not found. Searched the following locations: ${candidates.join(", ")}` };
  };
}

function readInput(opts) {
  try {
    if (opts.input === null || opts.input === "-") return fs.readFileSync(0, "utf8");
    return fs.readFileSync(opts.input, "utf8");
  } catch (err) {
    fail(`cannot read Standard JSON input: ${err.message}`);
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.mode === "help" || opts.mode === null) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(opts.mode === "help" ? 0 : 1);
  }
  const solc = loadCompiler();
  if (opts.mode === "version") {
    process.stdout.write(
      `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
    );
    return;
  }
  const input = readInput(opts);
  const output = solc.compile(input, { import: makeImportCallback(opts) });
  process.stdout.write(output);
  process.stdout.write("\n");
}

main();
