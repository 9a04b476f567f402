// Builds the verification page: web/src/*.js bundled by esbuild (with viem, @noble/hashes,
// @openzeppelin/merkle-tree, the SDK's ABIs and checks.json) and inlined with web/style.css into
// one self-contained HTML file. Same lock, same bytes: no timestamps, no absolute paths.
//
//   node web/build.mjs [OUT]      (default build/web/index.html)

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = process.argv[2] || join(root, "build", "web", "index.html");

const result = await build({
  absWorkingDir: root,
  entryPoints: ["web/src/page.js"],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020"],
  minify: true,
  legalComments: "none",
  charset: "utf8",
  write: false,
  logLevel: "error",
});
const script = result.outputFiles[0].text.replaceAll("</script", "<\\/script");
const style = readFileSync(join(here, "style.css"), "utf8");
const template = readFileSync(join(here, "index.html"), "utf8");
const html = template.replace("/*STYLE*/", () => style).replace("/*SCRIPT*/", () => script);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, html);
console.log(`web page: ${out} (${Math.round(html.length / 1024)} KiB)`);
