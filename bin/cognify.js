#!/usr/bin/env node
// The installed entry point. The CLI is written in TypeScript (bin/cli.ts) and compiled to dist/
// by `npm install` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('cognify: not built yet; run `npm install` (or `npm run build`) in the cognify directory\n');
  process.exit(70);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
