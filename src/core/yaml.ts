// A YAML document's data, for every YAML file Cognify reads (policy, provenance, answers, MLflow
// meta, eval objectives). Two things yaml's toJS() does with hostile input are turned into an
// InputError naming the file, like any other mistake in it: it throws a ReferenceError for an
// alias whose anchor comes later or never (`*a` alone) and for an alias bomb (over 100
// expansions, its maxAliasCount); and for a key that is itself a mapping or a list (`? [a]: b`,
// an alias of one, or a `!!binary` scalar) it prints a process warning to stderr and stringifies
// the key.
import { isScalar, visit, type Document } from 'yaml';
import { InputError } from './errors.js';

export function yamlData(doc: Document, file: string): unknown {
  let complexKey = false;
  visit(doc, {
    Pair(_key, pair) {
      // A mapping, a list, an alias (which may stand for either), or a scalar whose tag makes it
      // an object (`!!binary`, `!!timestamp` under some schemas) is no plain key.
      const k = pair.key;
      if (k !== null && k !== undefined && (!isScalar(k) || (typeof k.value === 'object' && k.value !== null))) {
        complexKey = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (complexKey) throw new InputError('INPUT_INVALID', `${file}: a key is a mapping, a list, an alias or binary; keys are plain words`, { file });
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError('INPUT_INVALID', `${file}: ${(e as Error).message}; write the value out instead of an alias (*name), or define the anchor (&name) before using it`, { file }, e);
  }
}
