// yamlData: what yaml's toJS() does with hostile input comes back as an InputError naming the file.
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { yamlData } from '../../src/core/yaml.js';

const data = (text: string) => yamlData(parseDocument(text, { version: '1.2', schema: 'core' }), 'f.yaml');

describe('yamlData', () => {
  it('gives the data of a plain document', () => {
    expect(data('a: 1\nb: [x, y]\nc: &k {d: e}\nf: *k\n')).toEqual({ a: 1, b: ['x', 'y'], c: { d: 'e' }, f: { d: 'e' } });
  });

  it('refuses an alias without its anchor, an alias bomb and a key that is a collection, without a warning', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect(() => data('a: *nowhere\n')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringMatching(/^f\.yaml: .*alias/) }));
      const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
      expect(() => data(bomb)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
      expect(() => data('? [a, b]\n: c\n')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', message: 'f.yaml: a key is a mapping, a list, an alias or binary; keys are plain words' }));
      expect(() => data('? {a: 1}\n: c\n')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
      expect(() => data('x: &k [1]\n? *k\n: c\n')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
      expect(() => data('!!binary aGVsbG8=: c\n')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
