#!/usr/bin/env node
// The installed entry point. The CLI is written in TypeScript (bin/cli.ts) and compiled to dist/
// by `npm install` (the prepare script) or `npm run build`.
//
// CommonJS, so that it runs before anything uses libuv's threadpool: an ES module entry is itself
// read through the pool, which fixes the pool's size (UV_THREADPOOL_SIZE, read once) before the
// first line runs. One thread, unless the user set a size: LevelDB works on the pool, and glibc
// keeps what each pool thread freed in that thread's own arena (figures in docs/ARCHITECTURE.md,
// CLI).
'use strict';
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '1';

const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const entry = join(__dirname, '..', 'dist', 'bin', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write('cognify: not built yet; run `npm install` (or `npm run build`) in the cognify directory\n');
  process.exit(70);
}
import(pathToFileURL(entry).href)
  .then(({ main }) => main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }))
  .then((code) => {
    process.exitCode = code;
  });
