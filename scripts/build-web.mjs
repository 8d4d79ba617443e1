#!/usr/bin/env node
// Builds the web lab's page: bundles src/web/client (browser TypeScript, with Cytoscape.js, xterm.js and
// uPlot and their CSS) into dist/web/index.html and dist/web/assets/{app.js,app.css} (the server serves
// / and /assets/ only). Everything the page needs is in those three files, so the lab works offline:
// no CDN, no fonts fetched from elsewhere.
// Usage: node scripts/build-web.mjs [--dev]   (--dev: no minification, inline source map)
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const client = join(root, "src", "web", "client");
const out = join(root, "dist", "web");
const dev = process.argv.includes("--dev");

mkdirSync(join(out, "assets"), { recursive: true });
await build({
  entryPoints: { app: join(client, "main.ts") },
  bundle: true,
  outdir: join(out, "assets"),
  format: "iife",
  platform: "browser",
  target: ["chrome100", "firefox100", "safari15"],
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  legalComments: "none",
  // Fonts and images referenced from the libraries' CSS go inside the CSS (works offline).
  loader: {
    ".woff": "dataurl",
    ".woff2": "dataurl",
    ".ttf": "dataurl",
    ".svg": "dataurl",
    ".png": "dataurl",
  },
  logLevel: "warning",
});
copyFileSync(join(client, "index.html"), join(out, "index.html"));
