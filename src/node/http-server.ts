// A node:http server around a request handler (src/web/review-app.ts): it binds, reads form bodies
// with a size cap, and guards the door. On loopback it answers only requests whose Host header
// names the address it is bound to, so a web page elsewhere cannot reach it through DNS rebinding.
// On another address it requires the access token made at start: given once as ?token=, then kept
// in an HttpOnly cookie.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { InputError } from '../core/errors.js';
import type { WebRequest, WebResponse } from '../web/review-app.js';

export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** A signature form or a pasted checkpoint is a few KiB; anything near this is not from the page. */
const MAX_BODY = 64 * 1024;
const TOKEN_COOKIE = 'cognify_token';

export interface ServeOptions {
  host: string;
  port: number;
  handler: (req: WebRequest) => Promise<WebResponse>;
  /** Require the access token (any non-loopback address). */
  token: boolean;
  /** Told about a request that failed outside the handler's own error pages. */
  onError?: (e: unknown) => void;
}

export interface RunningServer {
  /** The page's address; with a token, the first visit's address carries it. */
  url: string;
  origin: string;
  token: string | null;
  close(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The body, or null when it is over MAX_BODY (read to its end but not kept, so the 413 reaches the client). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) parts.push(c);
      // Far beyond any form: stop reading altogether.
      else if (size > 16 * MAX_BODY) req.destroy();
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => resolve(null));
  });
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(text + '\n');
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const token = o.token ? randomBytes(24).toString('base64url') : null;
  const hostText = o.host.includes(':') ? `[${o.host}]` : o.host;
  let origin = '';
  let allowedHosts = new Set<string>();

  const server = createServer((req, res) => {
    void (async () => {
      const host = req.headers.host ?? '';
      if (!token && !allowedHosts.has(host.toLowerCase())) {
        plain(res, 421, `This page answers only at ${origin}; the request named host "${host}".`);
        return;
      }
      const url = new URL(req.url ?? '/', origin);
      if (token) {
        const given = url.searchParams.get('token');
        if (given !== null && same(given, token)) {
          url.searchParams.delete('token');
          res.writeHead(303, { location: url.pathname + url.search, 'set-cookie': `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`, 'cache-control': 'no-store' });
          res.end();
          return;
        }
        const cookie = /(?:^|;\s*)cognify_token=([^;]*)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
        if (!same(cookie, token)) {
          plain(res, 401, 'This page needs the access token that cognify serve printed when it started: open the address it printed, with ?token=...');
          return;
        }
      }
      let body = '';
      if (req.method === 'POST') {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/x-www-form-urlencoded') {
          plain(res, 415, 'Only the page\'s own forms (application/x-www-form-urlencoded) are accepted.');
          return;
        }
        const read = await readBody(req);
        if (read === null) {
          plain(res, 413, `The form is over ${MAX_BODY / 1024} KiB; nothing was done.`);
          return;
        }
        body = read;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const r = await o.handler({ method: req.method ?? 'GET', url: url.pathname + url.search, headers, body });
      const out: Record<string, string | string[]> = { ...r.headers };
      if (r.headers['set-cookie']) out['set-cookie'] = r.headers['set-cookie'].split('\n');
      res.writeHead(r.status, out);
      res.end(req.method === 'HEAD' ? undefined : r.body);
    })().catch((e) => {
      o.onError?.(e);
      if (!res.headersSent) plain(res, 500, `The page failed: ${(e as Error).message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new InputError('USAGE', `port ${o.port} on ${o.host} is in use; choose another with --port`, { port: o.port }));
      else if (e.code === 'EADDRNOTAVAIL') reject(new InputError('USAGE', `${o.host} is not an address of this machine; give one of its addresses with --host`, { host: o.host }));
      else if (e.code === 'EACCES') reject(new InputError('USAGE', `not allowed to listen on port ${o.port}; choose a port above 1023 with --port`, { port: o.port }));
      else reject(e);
    });
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${hostText}:${port}`;
  allowedHosts = new Set([`${hostText}:${port}`.toLowerCase(), `localhost:${port}`]);
  return {
    url: token ? `${origin}/?token=${token}` : `${origin}/`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
