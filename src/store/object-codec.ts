// Structured objects: `{type, v, ...fields}` in deterministic CBOR, validated by a zod schema on
// write and on read. The registry is injected (each layer contributes the schemas of its own
// object types; src/api assembles them), so src/store knows no concrete type.
import type { ZodType } from 'zod';
import { decode, encode, type CborValue } from '../core/cbor.js';
import { IntegrityError, InputError } from '../core/errors.js';

export type CognifyObject = { type: string; v: number } & { [field: string]: CborValue };

export interface SchemaRegistry {
  /** The schema for `type`, or undefined when the type is unknown to this build. */
  get(type: string): ZodType | undefined;
  types(): string[];
}

export function createSchemaRegistry(...tables: Record<string, ZodType>[]): SchemaRegistry {
  const map = new Map<string, ZodType>();
  for (const table of tables) {
    for (const [type, schema] of Object.entries(table)) {
      if (map.has(type)) throw new TypeError(`object type "${type}" registered twice`);
      map.set(type, schema);
    }
  }
  return { get: (t) => map.get(t), types: () => [...map.keys()].sort() };
}

function zodProblem(err: { issues?: { path: PropertyKey[]; message: string }[] }): string {
  const issue = err.issues?.[0];
  if (!issue) return 'does not match its schema';
  const where = issue.path.length ? issue.path.map(String).join('.') : '(root)';
  return `field ${where}: ${issue.message}`;
}

function headerOf(value: unknown): { type: string; v: number } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return undefined;
  const { type, v } = value as { type?: unknown; v?: unknown };
  if (typeof type !== 'string' || typeof v !== 'number') return undefined;
  return { type, v };
}

/** Validate and encode an object about to be written. A schema failure here is a caller bug or bad input. */
export function encodeObject(schemas: SchemaRegistry, obj: CognifyObject): Uint8Array {
  const schema = schemas.get(obj.type);
  if (!schema) throw new InputError('INPUT_INVALID', `cannot write an object of unknown type "${obj.type}"`, { type: obj.type });
  const r = schema.safeParse(obj);
  if (!r.success) {
    throw new InputError('INPUT_INVALID', `${obj.type} object is invalid: ${zodProblem(r.error)}`, { type: obj.type });
  }
  return encode(obj);
}

/**
 * Decode stored or received bytes into a validated object. The CBOR decoder rejects any
 * non-canonical encoding; then the type must be known and the fields must match its schema.
 * `where` names the object in error messages (usually its id).
 */
export function decodeObject(schemas: SchemaRegistry, bytes: Uint8Array, where = 'object'): CognifyObject {
  let value: CborValue;
  try {
    value = decode(bytes);
  } catch (e) {
    if (e instanceof IntegrityError) {
      throw new IntegrityError(e.code, `${where}: ${e.message}`, { ...e.data, where }, e);
    }
    throw e;
  }
  const head = headerOf(value);
  if (!head) throw new IntegrityError('OBJECT_INVALID', `${where}: not a Cognify object (no type and version)`, { where });
  const schema = schemas.get(head.type);
  if (!schema) {
    throw new IntegrityError('OBJECT_UNKNOWN_TYPE', `${where}: unknown object type "${head.type}"; upgrade cognify to read it`, { where, type: head.type });
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new IntegrityError('OBJECT_INVALID', `${where}: ${head.type} object ${zodProblem(r.error)}`, { where, type: head.type });
  }
  return value as CognifyObject;
}
