// The review pages as one function from request to response, with no server in it: the Node
// adapter (src/node/http-server.ts) feeds it, and the environment comes in as options (how to open
// the repository, which local keys exist, how to unlock one), as isomorphic-git takes `fs`.
//
// Who is reviewing is a choice among the keys in the local keystore that are identities of the
// repository; it is remembered in a cookie and proves nothing. What proves it is the key's
// passphrase, asked for on every signature, as the CLI does (21 CFR 11.200).
//
// Every POST carries a CSRF token: HMAC-SHA-256 of the browser's session cookie under a secret
// made at start (OWASP's "signed double-submit cookie"). Cookies are SameSite=Strict and HttpOnly,
// and a POST whose Origin is not this page is refused as well.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CognifyError, InputError, NotFoundError } from '../core/errors.js';
import { toHex, utf8 } from '../core/bytes.js';
import type { Signer } from '../chain/signer.js';
import type { Repo } from '../api/repo.js';
import { resolveSubject } from '../api/subjects.js';
import { esc, notice, page, REVIEW_CSS, REVIEW_JS, subjectHref, type Layout, type Viewer } from './html.js';
import { inboxBody, inboxItems, INBOX_KINDS, INBOX_STATES, type InboxKind, type InboxState } from './inbox.js';
import { subjectBody, subjectView } from './subject-page.js';
import { confirmBody, STATEMENT_TTL_MS } from './sign-page.js';
import { logBody, logView } from './log-page.js';

export interface WebRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** A urlencoded form body (POST), already size-checked by the adapter. */
  body: string;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LocalKey {
  fingerprint: string;
  name: string;
  email: string;
}

export interface ReviewAppOptions {
  /** Open the repository for one request and close it after (so the CLI can use it in between). */
  withRepo: <T>(fn: (repo: Repo) => Promise<T>) => Promise<T>;
  /** The keys in the local keystore. */
  keys: () => Promise<LocalKey[]>;
  /** Unlock a key for one signature; throws a KeystoreError PASSPHRASE_WRONG on a wrong passphrase. */
  unlock: (fingerprint: string, passphrase: string) => Promise<Signer>;
  /** The key to review as when the browser has not chosen one (an e-mail or fingerprint). */
  defaultKey?: string;
  /** Whether an Origin header names this page (`http://127.0.0.1:7780`); a POST from any other is refused. */
  isOwnOrigin: (origin: string) => boolean;
  now?: () => number;
}

const SESSION = 'cognify_session';
const AS = 'cognify_as';

const SECURITY_HEADERS: Record<string, string> = {
  // Nothing but this page's own stylesheet and script; inline SVG needs no source.
  'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a form post.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

function cookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** HTTP status for an error a page reports. */
function statusFor(e: unknown): number {
  if (e instanceof NotFoundError) return 404;
  if (e instanceof InputError) return 400;
  if (e instanceof CognifyError) return e.code === 'PASSPHRASE_WRONG' ? 403 : 409;
  return 500;
}

function errorBody(status: number, text: string): string {
  return `<h1>${status === 404 ? 'Not found' : 'Request refused'}</h1>${notice('error', esc(text))}<p><a href="/">Back to the inbox</a></p>`;
}

export function reviewApp(o: ReviewAppOptions): (req: WebRequest) => Promise<WebResponse> {
  const secret = randomBytes(32);
  const now = o.now ?? Date.now;
  const csrfFor = (session: string) => toHex(hmac(sha256, secret, utf8(`csrf ${session}`)));
  // One request at a time: each opens the repository, and LevelDB allows one opener per process.
  let queue: Promise<unknown> = Promise.resolve();

  return (req) => {
    const run = queue.then(() => handle(req));
    queue = run.catch(() => undefined);
    return run;
  };

  async function handle(req: WebRequest): Promise<WebResponse> {
    const url = new URL(req.url, 'http://review.invalid');
    const path = url.pathname;
    const jar = cookies(req.headers.cookie);
    const setCookies: string[] = [];
    let session = jar[SESSION];
    if (!session || !/^[0-9a-f]{64}$/.test(session)) {
      session = toHex(randomBytes(32));
      setCookies.push(`${SESSION}=${session}; Path=/; HttpOnly; SameSite=Strict`);
    }
    const csrf = csrfFor(session);
    const respond = (status: number, body: string, headers: Record<string, string> = {}): WebResponse => {
      const h: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers };
      if (setCookies.length) h['set-cookie'] = setCookies.join('\n');
      return { status, headers: h, body };
    };
    const redirect = (to: string) => respond(303, '', { location: to });

    if (req.method === 'GET' && path === '/static/review.css') return respond(200, REVIEW_CSS, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
    if (req.method === 'GET' && path === '/static/review.js') return respond(200, REVIEW_JS, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });

    let form = new URLSearchParams();
    if (req.method === 'POST') {
      form = new URLSearchParams(req.body);
      const origin = req.headers.origin;
      const token = form.get('csrf') ?? '';
      if ((origin !== undefined && !o.isOwnOrigin(origin)) || !jar[SESSION] || !sameText(token, csrf)) {
        return respond(403, errorPage('This form was not sent by this review page (its CSRF token is missing or stale, or it came from another site). Nothing was changed. Reload the page and try again.'));
      }
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      return respond(405, errorPage(`${req.method} is not supported here.`), { allow: 'GET, POST' });
    }

    const local = await o.keys();
    return o.withRepo(async (repo) => {
      const repoName = await repo.name();
      const known = new Map((await repo.identities()).filter((k) => !k.revoked).map((k) => [k.fingerprint, k]));
      const keys = local.map((k) => ({ ...k, known: known.has(k.fingerprint) }));
      const canChoose = keys.some((k) => k.known);
      const pick = (who: string | undefined) => keys.find((k) => k.known && who !== undefined && (k.fingerprint === who || k.email.toLowerCase() === who.toLowerCase()));
      const chosen = pick(jar[AS]) ?? pick(o.defaultKey) ?? (keys.filter((k) => k.known).length === 1 ? keys.find((k) => k.known) : undefined);
      const viewer: Viewer | null = chosen ? { fingerprint: chosen.fingerprint, name: chosen.name, email: chosen.email, roles: known.get(chosen.fingerprint)!.roles } : null;
      const layout = (l: Pick<Layout, 'title' | 'nav' | 'body'>): string => page({ ...l, repoName, viewer, keys, csrf, path: url.pathname + url.search });
      const errorPage = (text: string, status = 400) => layout({ title: status === 404 ? 'Not found' : 'Error', nav: 'subject', body: errorBody(status, text) });
      try {
        if (req.method === 'POST' && path === '/identity') {
          const fp = form.get('fingerprint') ?? '';
          const k = pick(fp);
          if (!k) return respond(400, errorPage('That key is not in the local keystore, or is not an identity of this repository.'));
          setCookies.push(`${AS}=${k.fingerprint}; Path=/; HttpOnly; SameSite=Strict`);
          const back = form.get('back') ?? '/';
          // Only a path on this page: "//host" and "/\host" would leave it.
          return redirect(/^\/(?![/\\])/.test(back) ? back : '/');
        }
        if (path === '/') {
          const state = (INBOX_STATES as readonly string[]).includes(url.searchParams.get('state') ?? '') ? (url.searchParams.get('state') as InboxState) : viewer ? 'waiting' : 'all';
          const kind = (INBOX_KINDS as readonly string[]).includes(url.searchParams.get('kind') ?? '') ? (url.searchParams.get('kind') as InboxKind) : 'all';
          const items = await inboxItems(repo, viewer);
          return respond(200, layout({ title: 'Inbox', nav: 'inbox', body: inboxBody({ items, state: state === 'waiting' && !viewer ? 'all' : state, kind, viewer, canChoose }) }));
        }
        if (path === '/log' && req.method === 'GET') {
          const f = { subject: url.searchParams.get('subject') ?? '', actor: url.searchParams.get('actor') ?? '', action: url.searchParams.get('action') ?? '' };
          return respond(200, layout({ title: 'Audit log', nav: 'log', body: logBody(await logView(repo, f, null), f, csrf) }));
        }
        if (path === '/log/checkpoint' && req.method === 'POST') {
          const f = { subject: '', actor: '', action: '' };
          const v = await logView(repo, f, (form.get('checkpoint') ?? '').slice(0, 10_000));
          return respond(v.consistency?.error ? 422 : 200, layout({ title: 'Audit log', nav: 'log', body: logBody(v, f, csrf) }));
        }
        const m = /^\/subject\/([^/]+)(\/review|\/sign)?$/.exec(path);
        if (m) {
          const ref = decodeURIComponent(m[1]!);
          const action = m[2];
          const subjectPage = async (status: number, flash: string) => {
            const v = await subjectView(repo, ref, viewer);
            return respond(status, layout({ title: v.subject.label, nav: 'subject', body: subjectBody(v, { viewer, csrf, flash, canChoose }) }));
          };
          if (!action && req.method === 'GET') {
            const signed = url.searchParams.get('signed');
            let flash = '';
            if (signed) {
              const s = (await repo.policy.evaluate(ref)).signatures.find((g) => g.approval === signed);
              if (s) flash = notice('ok', `Signed: <strong>${esc(s.meaning)}</strong> by ${esc(s.name)} as ${esc(s.role)}, ${esc(s.time)}; approval <span class="mono">${esc(s.approval)}</span>, log entry ${s.seq}. The status below includes it.`);
            }
            return await subjectPage(200, flash);
          }
          if (req.method !== 'POST' || !action) return respond(404, errorPage(`There is no page at ${path}.`, 404));
          if (!viewer) return await subjectPage(400, notice('error', 'Choose who you are (top right) before signing.'));
          const meaning = form.get('meaning') ?? '';
          const comment = (form.get('comment') ?? '').replace(/\r\n?/g, '\n').trim();
          const role = form.get('role') || undefined;
          if (meaning === 'rejected' && !comment) return await subjectPage(400, notice('error', 'A rejection needs a comment saying why. Nothing was signed.'));
          if (action === '/review') {
            const subject = await resolveSubject(repo, ref);
            const p = await repo.approvals.prepare({ subject: subject.id, meaning, comment, ...(role ? { role } : {}), signer: viewer.fingerprint, time: new Date(now()).toISOString() });
            return respond(200, layout({ title: `Sign ${subject.label}`, nav: 'subject', body: confirmBody(p, { csrf }) }));
          }
          // /sign: the statement as shown, signed as shown, if it is still fresh and still the viewer's.
          const time = form.get('time') ?? '';
          const shown = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(time) ? Date.parse(time) : NaN;
          const opts = { subject: ref, meaning, comment, ...(role ? { role } : {}) };
          if (form.get('fingerprint') !== viewer.fingerprint) return await subjectPage(409, notice('error', 'You switched identity after this statement was shown. Nothing was signed; review it again.'));
          if (!Number.isFinite(shown) || shown > now() + 60_000 || now() - shown > STATEMENT_TTL_MS) {
            const p = await repo.approvals.prepare({ ...opts, signer: viewer.fingerprint, time: new Date(now()).toISOString() });
            return respond(409, layout({ title: 'Sign', nav: 'subject', body: confirmBody(p, { csrf, error: `The statement you reviewed was shown more than ${STATEMENT_TTL_MS / 60_000} minutes ago, so its time is no longer the time of signing. Nothing was signed; read it again below.` }) }));
          }
          const passphrase = form.get('passphrase') ?? '';
          let signer: Signer;
          try {
            signer = await o.unlock(viewer.fingerprint, passphrase);
          } catch (e) {
            const p = await repo.approvals.prepare({ ...opts, signer: viewer.fingerprint, time });
            const why = e instanceof CognifyError && e.code === 'PASSPHRASE_WRONG' ? 'Wrong passphrase' : `The key could not be unlocked (${(e as Error).message})`;
            // a key the keystore will not unlock is Forbidden here, not a conflict
            const status = statusFor(e);
            return respond(status === 409 ? 403 : status, layout({ title: 'Sign', nav: 'subject', body: confirmBody(p, { csrf, error: `${why}: nothing was signed. Type the passphrase again.` }) }));
          }
          const r = await repo.approvals.sign({ ...opts, signer, time });
          return redirect(`${subjectHref(r.subject)}?signed=${encodeURIComponent(r.approval)}#status`);
        }
        return respond(404, errorPage(`There is no page at ${path}.`, 404));
      } catch (e) {
        const status = statusFor(e);
        const text = status === 500 ? `The page failed: ${(e as Error).message}` : (e as Error).message;
        return respond(status, errorPage(text, status));
      }
    });

    function errorPage(text: string, status = 400): string {
      return page({ title: 'Error', nav: 'subject', repoName: 'Cognify', viewer: null, keys: [], csrf, path: '/', body: errorBody(status, text) });
    }
  }
}

