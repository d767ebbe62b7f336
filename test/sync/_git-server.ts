// A real git host for tests: `git http-backend` (git's own smart HTTP server, as a CGI program)
// behind node's http server on 127.0.0.1, serving the bare repositories under `root`. With
// `password` set, every request needs HTTP Basic credentials, as a hosted forge would ask.
import { spawn, execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitServer {
  /** The URL of the bare repository `name` under root. */
  url(name: string): string;
  /** Requests served, by method and path, for tests that look at the traffic. */
  requests: string[];
  close(): Promise<void>;
}

/** Make an empty bare repository `name` under `root` that accepts pushes over HTTP. */
export function bareRepo(root: string, name: string): string {
  const dir = join(root, name);
  execFileSync('git', ['init', '--bare', '--quiet', dir]);
  execFileSync('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
  return dir;
}

function cgi(root: string, req: IncomingMessage, res: ServerResponse, user: string | undefined): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    ...(user ? { REMOTE_USER: user } : {}),
  };
  const child = spawn(HTTP_BACKEND, [], { env });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (d: Buffer) => {
    if (started) return void res.write(d);
    head = Buffer.concat([head, d]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else res.setHeader(k, v);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => {
    res.writeHead(500);
    res.end();
  });
}

/** Serve the bare repositories under `root` on 127.0.0.1 (a free port). */
export async function gitServer(root: string, auth?: { user: string; password: string }): Promise<GitServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    let user: string | undefined;
    if (auth) {
      const h = req.headers.authorization ?? '';
      const [u, p] = h.startsWith('Basic ') ? Buffer.from(h.slice(6), 'base64').toString('utf8').split(':') : [];
      if (u !== auth.user || p !== auth.password) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' });
        res.end();
        return;
      }
      user = u;
    }
    cgi(root, req, res, user);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
