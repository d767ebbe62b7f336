// cognify show <id> (readable, or --json) and cognify cat <id> (raw canonical bytes).
import { need } from '../args.js';
import type { Context } from '../context.js';
import { jsonReplacer } from '../context.js';

export function render(value: unknown, indent: string): string {
  if (value instanceof Uint8Array) return `<${value.length} bytes> ${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return value.map((v) => `\n${indent}- ${render(v, indent + '  ')}`).join('');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length) return '{}';
    return entries.map(([k, v]) => `\n${indent}${k}: ${render(v, indent + '  ')}`).join('');
  }
  return JSON.stringify(value, jsonReplacer);
}

export async function show(ctx: Context): Promise<void> {
  const [idArg] = need(ctx.args, 1, 'cognify show <id>');
  const repo = await ctx.repo();
  const obj = await repo.getObject(idArg!);
  ctx.out({ id: obj.id, size: obj.bytes.length, object: obj.value }, () => `${obj.value.type} ${obj.id} (${obj.bytes.length} bytes)${render(obj.value, '  ')}`);
}

export async function cat(ctx: Context): Promise<void> {
  const [idArg] = need(ctx.args, 1, 'cognify cat <id>');
  const repo = await ctx.repo();
  const obj = await repo.getObject(idArg!);
  if (ctx.json) return ctx.out({ id: obj.id, size: obj.bytes.length, base64: Buffer.from(obj.bytes).toString('base64') }, '');
  await new Promise<void>((res, rej) => ctx.io.stdout.write(obj.bytes, (e) => (e ? rej(e) : res())));
}
