// A small argv parser: flags declared per command, `--flag value`, `--flag=value`, `-C dir`,
// booleans, `--` ends flags. Unknown flags and missing values are usage errors (exit 2).
import { InputError } from '../src/core/errors.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; repeat?: boolean }>;

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | boolean | string[]>;
}

export const GLOBAL_FLAGS: FlagSpec = {
  C: { type: 'string', short: 'C' },
  json: { type: 'boolean' },
  as: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const positionals: string[] = [];
  const flags: Parsed['flags'] = {};
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      if (eq !== -1) inline = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length === 2 && a !== '-') {
      name = byShort.get(a[1]!);
      if (!name) throw new InputError('USAGE', `unknown option ${a}; see cognify --help`, { option: a });
    } else {
      positionals.push(a);
      continue;
    }
    const s = spec[name];
    if (!s) throw new InputError('USAGE', `unknown option --${name}; see cognify --help`, { option: name });
    let value: string | boolean;
    if (s.type === 'boolean') {
      if (inline !== undefined) throw new InputError('USAGE', `option --${name} takes no value`, { option: name });
      value = true;
    } else {
      value = inline ?? argv[++i] ?? '';
      if (inline === undefined && (i >= argv.length || (value.startsWith('-') && value.length > 1))) {
        throw new InputError('USAGE', `option ${a} needs a value`, { option: name });
      }
    }
    if (s.repeat) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value as string];
    else flags[name] = value;
  }
  return { positionals, flags };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}

/** A non-negative integer argument, or a usage error naming it. */
export function intArg(value: string | undefined, what: string, min = 0): number {
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new InputError('USAGE', `${what} must be an integer ≥ ${min}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`, { what });
  }
  return Number(value);
}

export function need(p: Parsed, count: number, usage: string): string[] {
  if (p.positionals.length < count) throw new InputError('USAGE', `missing argument; usage: ${usage}`, { usage });
  if (p.positionals.length > count) throw new InputError('USAGE', `unexpected argument "${p.positionals[count]}"; usage: ${usage}`, { usage });
  return p.positionals;
}
