// The software and hardware a run used: Python, its installed packages, the OS, CPU and GPUs
// (EU AI Act Annex IV 2(g) and 2(c): computational resources and the system's dependencies).
// Packages come from `pip freeze` output or a requirements.txt, read by parseRequirements below
// (pip's requirements-file format, PEP 508 requirement strings, PEP 503 name normalisation).
import { arch, cpus, platform, release } from 'node:os';
import { InputError } from '../core/errors.js';
import { stripUrlCredentials } from './code-provenance.js';

export interface PackageVersion {
  /** PEP 503 normalised: lowercase, every run of "-", "_", "." as one "-". */
  name: string;
  /** The exact version when the line pins one (`==1.2`, `===1.2`); null otherwise. */
  version: string | null;
  /**
   * What the line says beyond a plain `name==version`, so nothing it said is lost: the URL of a
   * direct reference or editable install (credentials stripped), or the specifier of a
   * requirement that does not pin one version (`>=1,<2`), followed by its PEP 508 environment
   * marker when there is one (`==1.26; python_version >= "3.9"`, `; sys_platform == "linux"`,
   * `file:///w/x.whl ; python_version < "3.10"`). Absent for a plain `name==version`.
   */
  source?: string;
}

export interface RunEnvironment {
  /** `platform.python_version()` of the training process. */
  python: string | null;
  /** Sorted by name. */
  packages: PackageVersion[];
  os: string | null;
  cpu: string | null;
  gpu: string | null;
  gpuCount: number | null;
}

/** PEP 503: `re.sub(r"[-_.]+", "-", name).lower()`. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

// PEP 508 names: letters and digits, with ".", "_" and "-" inside.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// PEP 440 (and the legacy versions pip freeze still prints): no spaces, no commas.
const VERSION = /^[A-Za-z0-9.*+!_-]+$/;
// PEP 440 comparison operators, longest first.
const CLAUSE = /^(===|==|!=|~=|<=|>=|<|>)\s*([^\s,;]+)$/;
// pip: a comment starts at "#" at the beginning of a line or after whitespace.
const COMMENT = /(^|\s)#.*$/;
// `pip freeze` writes the name and version of an editable install it cannot name from its URL on
// the line above it: "# Editable install with no version control (pkg==1.0)", also "Editable Git
// install with no remote (...)".
const EDITABLE_NOTE = /^#\s*Editable\b.*\(\s*([A-Za-z0-9._-]+)\s*==\s*([^()\s]+)\s*\)\s*$/;

// Options of a requirements file that install nothing themselves (pip's requirements-file
// format); they are passed over. Constraints files (-c) do not add packages either.
const GLOBAL_OPTIONS = new Set([
  '-i', '--index-url', '--extra-index-url', '--no-index', '-f', '--find-links', '--trusted-host',
  '--pre', '--prefer-binary', '--only-binary', '--no-binary', '--require-hashes', '--use-feature',
  '-c', '--constraint',
]);
// Options that may follow a requirement on its line.
const PER_REQUIREMENT_OPTIONS = new Set(['--hash', '--global-option', '--install-option', '--config-settings']);

interface Logical {
  text: string;
  line: number;
}

/** Physical lines joined where one ends in "\", each with the number of its first line. */
function logicalLines(text: string): Logical[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: Logical[] = [];
  let acc: string | null = null;
  let start = 0;
  physical.forEach((raw, i) => {
    if (acc === null) start = i + 1;
    const cont = raw.endsWith('\\') && !COMMENT.test(raw);
    acc = (acc ?? '') + (cont ? raw.slice(0, -1) : raw);
    if (!cont) {
      out.push({ text: acc, line: start });
      acc = null;
    }
  });
  if (acc !== null) out.push({ text: acc, line: start });
  return out;
}

/** Cuts per-requirement options (`--hash=sha256:…`) off a requirement; null if one is unknown. */
function cutOptions(s: string): string | null {
  const at = s.search(/(^|\s)--[A-Za-z]/);
  if (at < 0) return s;
  const tokens = s.slice(at).trim().split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const eq = t.indexOf('=');
    const opt = eq < 0 ? t : t.slice(0, eq);
    if (!PER_REQUIREMENT_OPTIONS.has(opt)) return null;
    if (eq < 0) i++; // "--hash sha256:…": the value is the next token
  }
  return s.slice(0, at).trim();
}

/** The name in `#egg=name[extras]&subdirectory=…` of an editable URL. */
function eggName(url: string): string | null {
  const hash = url.indexOf('#');
  if (hash < 0) return null;
  for (const part of url.slice(hash + 1).split('&')) {
    if (part.startsWith('egg=')) return part.slice(4).replace(/\[.*$/, '') || null;
  }
  return null;
}

/** A wheel's name from its file name (PEP 427: `{name}-{version}(-{build})?-{py}-{abi}-{plat}.whl`). */
function wheelName(url: string): string | null {
  const file = url.split(/[?#]/)[0]!.split('/').pop() ?? '';
  const m = /^([A-Za-z0-9._]+)-[^-]+(?:-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(file);
  return m ? m[1]! : null;
}

/** Whitespace in a marker as one space; markers are not otherwise parsed or evaluated. */
function tidyMarker(m: string): string {
  return m.replace(/\s+/g, ' ').trim();
}

/** One PEP 508 requirement string (no options, no comment); null if it cannot be read. */
function parseRequirement(s: string): PackageVersion | null {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(s);
  if (!m) return null;
  const name = m[1]!;
  if (!NAME.test(name)) return null;
  let rest = m[3]!;
  let marker: string | undefined;

  if (rest.startsWith('@')) {
    // Direct reference: "name @ url ; marker" (the space before ";" is required: URLs may hold ";").
    const semi = rest.search(/\s;/);
    if (semi >= 0) {
      marker = tidyMarker(rest.slice(semi).trim().slice(1));
      rest = rest.slice(0, semi);
    }
    if (marker === '') return null;
    const url = rest.slice(1).trim();
    if (url === '' || /\s/.test(url)) return null;
    const source = stripUrlCredentials(url) + (marker !== undefined ? ` ; ${marker}` : '');
    return { name: normalizePackageName(name), version: null, source };
  }

  const semi = rest.indexOf(';');
  if (semi >= 0) {
    marker = tidyMarker(rest.slice(semi + 1));
    rest = rest.slice(0, semi);
  }
  if (marker === '') return null;
  let spec = rest.trim();
  if (spec.startsWith('(') && spec.endsWith(')')) spec = spec.slice(1, -1).trim(); // "name (>=1)", PEP 508 allows it
  const clauses: { op: string; value: string }[] = [];
  if (spec !== '') {
    for (const c of spec.split(',')) {
      const cm = CLAUSE.exec(c.trim());
      if (!cm || !VERSION.test(cm[2]!)) return null;
      clauses.push({ op: cm[1]!, value: cm[2]! });
    }
  }
  // A version is known when a clause pins it exactly: "==" without a wildcard, or "===".
  const pin = clauses.find((c) => c.op === '===' || (c.op === '==' && !c.value.includes('*')));
  const out: PackageVersion = { name: normalizePackageName(name), version: pin ? pin.value : null };
  const plainPin = clauses.length === 1 && pin !== undefined && pin.op === '==';
  const specifier = plainPin && marker === undefined ? '' : clauses.map((c) => c.op + c.value).join(',');
  const source = specifier + (marker !== undefined ? `; ${marker}` : '');
  if (source !== '') out.source = source;
  return out;
}

/**
 * Reads `pip freeze` output or a requirements.txt. Comments, blank lines, line continuations,
 * `--hash` and the other per-requirement options, and index options are passed over; markers are
 * kept. A line it cannot read is an InputError naming `name:line`; so is `-r other.txt` (its
 * packages would be missing without a word) and an editable install whose name it cannot tell.
 * Sorted by name; a package listed twice (under different markers) is kept twice, in file order.
 */
export function parseRequirements(text: string, name: string): PackageVersion[] {
  const out: PackageVersion[] = [];
  let note: { name: string; version: string } | null = null;
  function fail(l: Logical, why: string): never {
    throw new InputError('INPUT_INVALID', `${name}:${l.line}: ${why}`, { file: name, line: l.line, text: l.text.trim().slice(0, 200) });
  }
  for (const l of logicalLines(text)) {
    const trimmed = l.text.trim();
    const editableNote = EDITABLE_NOTE.exec(trimmed);
    const s = trimmed.replace(COMMENT, '').trim();
    if (s === '') {
      note = editableNote ? { name: editableNote[1]!, version: editableNote[2]! } : null;
      continue;
    }
    const lastNote = note;
    note = null;

    if (s.startsWith('-')) {
      const om = /^(--?[A-Za-z][A-Za-z-]*)(?:\s*=\s*|\s+)?(.*)$/.exec(s)!;
      const opt = om[1]!;
      const value = om[2]!.trim();
      if (opt === '-e' || opt === '--editable') {
        if (value === '' || /\s/.test(value)) fail(l, `cannot read the editable install ${JSON.stringify(value)}`);
        const egg = eggName(value);
        if (egg !== null) {
          if (!NAME.test(egg)) fail(l, `cannot read the package name ${JSON.stringify(egg)} in #egg=`);
          out.push({ name: normalizePackageName(egg), version: null, source: stripUrlCredentials(value) });
        } else if (lastNote !== null && NAME.test(lastNote.name) && VERSION.test(lastNote.version)) {
          out.push({ name: normalizePackageName(lastNote.name), version: lastNote.version, source: stripUrlCredentials(value) });
        } else {
          fail(l, `cannot tell the package name of the editable install ${JSON.stringify(value)}; add #egg=<name> to it, or give the output of pip freeze`);
        }
        continue;
      }
      if (opt === '-r' || opt === '--requirement') {
        fail(l, `includes another file (${s}); give the output of pip freeze, or the packages of that file in this one`);
      }
      if (!GLOBAL_OPTIONS.has(opt)) fail(l, `unknown option ${opt}; expected name==version, name @ url or -e url#egg=name`);
      continue;
    }

    const req = cutOptions(s);
    if (req === null) fail(l, `cannot read ${JSON.stringify(s)}: an unknown option follows the requirement`);
    let p = parseRequirement(req);
    if (p === null && /^[a-z][a-z0-9+.-]*:|^[./~]/i.test(req)) {
      // A bare URL or path: only a wheel names its package.
      const wheel = wheelName(req);
      if (wheel !== null) p = { name: normalizePackageName(wheel), version: null, source: stripUrlCredentials(req) };
    }
    if (p === null) fail(l, `cannot read ${JSON.stringify(s)}; expected name==version, name @ url or -e url#egg=name`);
    out.push(p);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The host's OS and CPU, from node:os: "linux 6.8.0-49-generic x64", "AMD EPYC 7763 64-Core Processor × 16". */
export function describeHost(): { os: string; cpu: string } {
  const counts = new Map<string, number>();
  for (const c of cpus()) {
    const model = c.model.replace(/\s+/g, ' ').trim() || 'unknown';
    counts.set(model, (counts.get(model) ?? 0) + 1);
  }
  // Hybrid CPUs (performance and efficiency cores) report more than one model.
  const cpu = [...counts].map(([model, n]) => `${model} × ${n}`).join(', ') || 'unknown';
  return { os: `${platform()} ${release()} ${arch()}`, cpu };
}

export interface RunEnvironmentInput {
  /** `platform.python_version()`, as the Python callback reports it. */
  python?: string | null;
  packages?: PackageVersion[];
  gpu?: string | null;
  gpuCount?: number | null;
  /** Defaults to describeHost(); give null fields when the run was on another machine. */
  host?: { os: string | null; cpu: string | null };
}

/** Assembles a RunEnvironment, checking what callers pass in. */
export function runEnvironment(input: RunEnvironmentInput): RunEnvironment {
  const python = input.python ?? null;
  if (python !== null && !/^\d+\.\d+(?:\.\d+)?[A-Za-z0-9.+]*$/.test(python)) {
    throw new InputError('INPUT_INVALID', `python must be a version like 3.11.9, got ${JSON.stringify(python)}`, { field: 'python' });
  }
  const gpuCount = input.gpuCount ?? null;
  if (gpuCount !== null && (!Number.isSafeInteger(gpuCount) || gpuCount < 0)) {
    throw new InputError('INPUT_INVALID', `gpuCount must be a whole number ≥ 0, got ${gpuCount}`, { field: 'gpuCount' });
  }
  const host = input.host ?? describeHost();
  const packages = [...(input.packages ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { python, packages, os: host.os, cpu: host.cpu, gpu: input.gpu ?? null, gpuCount };
}
