import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Level } from 'level';
import { join } from 'node:path';
import { Store, type Database } from '../../src/store/store.js';
import { createSchemaRegistry } from '../../src/store/object-codec.js';
import { chainSchemas } from '../../src/chain/chain-types.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { encode } from '../../src/core/cbor.js';
import { CognifyError } from '../../src/core/errors.js';
import { idHex, type ObjectId } from '../../src/core/ids.js';
import { person, tempDir } from '../_fixtures.js';
import { z } from 'zod';

const schemas = createSchemaRegistry(chainSchemas, {
  note: z.object({ type: z.literal('note'), v: z.literal(1), text: z.string() }).strict(),
});

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof CognifyError) return e.code;
    throw e;
  }
  throw new Error('expected an error');
}

describe('Store over a real LevelDB', () => {
  let db: Level<string, Uint8Array>;
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    db = new Level<string, Uint8Array>(join(t.dir, 'db'), { valueEncoding: 'view' });
    await db.open();
    store = new Store({ db: db as unknown as Database, crypto: nodeProvider, schemas });
  });
  afterEach(async () => {
    await db.close();
    await cleanup();
  });

  it('writes objects atomically and reads them back checked', async () => {
    const tx = store.begin();
    const a = tx.putObject({ type: 'note', v: 1, text: 'hello' });
    expect(a.id).toBe(`sha256:${Buffer.from(nodeProvider.sha256(encode({ type: 'note', v: 1, text: 'hello' }))).toString('hex')}`);
    expect(await store.has(a.id)).toBe(false); // nothing visible before commit
    await tx.commit();
    const back = await store.get(a.id);
    expect(back.value).toEqual({ type: 'note', v: 1, text: 'hello' });
    expect(Buffer.from(back.bytes).equals(Buffer.from(a.bytes))).toBe(true);
  });

  it('refuses invalid objects on write, with the field named', async () => {
    const tx = store.begin();
    expect(() => tx.putObject({ type: 'note', v: 1, text: 5 as unknown as string })).toThrow(/field text/);
    expect(() => tx.putObject({ type: 'note', v: 1, text: 'x', extra: 1 })).toThrow(CognifyError);
    expect(() => tx.putObject({ type: 'nope', v: 1 })).toThrow(/unknown type/);
  });

  it('rejects on read: altered bytes, non-canonical CBOR, unknown type, schema violation', async () => {
    const put = async (bytes: Uint8Array, id?: ObjectId) => {
      const key = id ?? (`sha256:${Buffer.from(nodeProvider.sha256(bytes)).toString('hex')}` as ObjectId);
      await db.sublevel<string, Uint8Array>('objects', { valueEncoding: 'view' }).put(idHex(key), bytes);
      return key;
    };
    const good = encode({ type: 'note', v: 1, text: 'hi' });
    const altered = new Uint8Array(good);
    altered[altered.length - 1]! ^= 1;
    const goodId = `sha256:${Buffer.from(nodeProvider.sha256(good)).toString('hex')}` as ObjectId;
    expect(await code(store.get(await put(altered, goodId)))).toBe('HASH_MISMATCH');
    // map with keys out of canonical order: {"v":1,"type":"note","text":"hi"} written by hand
    const nonCanonical = new Uint8Array([0xa3, 0x61, 0x76, 0x01, 0x64, ...Buffer.from('type'), 0x64, ...Buffer.from('note'), 0x64, ...Buffer.from('text'), 0x62, ...Buffer.from('hi')]);
    expect(await code(store.get(await put(nonCanonical)))).toBe('CBOR_NONCANONICAL');
    expect(await code(store.get(await put(good.slice(0, good.length - 1))))).toBe('CBOR_TRUNCATED');
    expect(await code(store.get(await put(encode({ type: 'banana', v: 1 }))))).toBe('OBJECT_UNKNOWN_TYPE');
    expect(await code(store.get(await put(encode({ type: 'note', v: 2, text: 'x' }))))).toBe('OBJECT_INVALID');
    expect(await code(store.get(await put(encode([1, 2]))))).toBe('OBJECT_INVALID');
  });

  it('resolves unique prefixes of 7+ digits and lists candidates for an ambiguous one', async () => {
    const tx = store.begin();
    const ids: ObjectId[] = [];
    for (let i = 0; i < 300; i++) ids.push(tx.putObject({ type: 'note', v: 1, text: `n${i}` }).id);
    await tx.commit();
    const id = ids[17]!;
    expect(await store.resolve(id)).toBe(id);
    expect(await store.resolve(idHex(id).slice(0, 12))).toBe(id);
    expect(await store.resolve(`sha256:${idHex(id).slice(0, 10).toUpperCase()}`)).toBe(id);
    expect(await code(store.resolve(idHex(id).slice(0, 6)))).toBe('INPUT_INVALID');
    expect(await code(store.resolve('zzzzzzzz'))).toBe('INPUT_INVALID');
    expect(await code(store.resolve('0000000000000'))).toBe('NOT_FOUND');
    // A 7-digit collision cannot be brute-forced in a test; place two keys that share one
    // directly in the objects sublevel (resolve only looks at keys).
    const objects = db.sublevel<string, Uint8Array>('objects', { valueEncoding: 'view' });
    const a = 'abcdef1' + '0'.repeat(57);
    const b = 'abcdef1' + 'f'.repeat(57);
    await objects.put(a, new Uint8Array([0]));
    await objects.put(b, new Uint8Array([0]));
    let err: CognifyError | undefined;
    try {
      await store.resolve('abcdef1');
    } catch (e) {
      err = e as CognifyError;
    }
    expect(err?.code).toBe('ID_AMBIGUOUS');
    expect(err?.data.candidates).toEqual([`sha256:${a}`, `sha256:${b}`]);
    expect(err?.message).toContain(`sha256:${a}`);
    expect(await store.resolve('abcdef10')).toBe(`sha256:${a}`);
  });

  it('updates refs by compare-and-swap and writes nothing on a conflict', async () => {
    const t1 = store.begin();
    const a = t1.putObject({ type: 'note', v: 1, text: 'a' });
    t1.setRef('notes/main', undefined, a.id);
    await t1.commit();
    expect(await store.getRef('notes/main')).toBe(a.id);

    // two writers read the same old value; the second one must fail and write nothing
    const t2 = store.begin();
    const b = t2.putObject({ type: 'note', v: 1, text: 'b' });
    t2.setRef('notes/main', a.id, b.id);
    const t3 = store.begin();
    const c = t3.putObject({ type: 'note', v: 1, text: 'c' });
    t3.setRef('notes/main', a.id, c.id);
    await t2.commit();
    expect(await code(t3.commit())).toBe('REF_CONFLICT');
    expect(await store.getRef('notes/main')).toBe(b.id);
    expect(await store.has(c.id)).toBe(false);
    expect(() => store.begin().setRef('../escape', undefined, a.id)).toThrow(/not a valid ref name/);
    const refs: string[] = [];
    for await (const [name] of store.refs('notes/')) refs.push(name);
    expect(refs).toEqual(['notes/main']);
  });

  it('registers each object type once', () => {
    expect(() => createSchemaRegistry(chainSchemas, chainSchemas)).toThrow(/registered twice/);
    expect(schemas.types()).toContain('log-entry');
    void person;
  });
});
