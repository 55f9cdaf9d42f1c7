/**
 * References in stored values for the SecretManager: `${secret:NAME}` and `${env:NAME}` inside a
 * value resolve when it is loaded. This gathers the stored values of every secret a value reaches
 * (through the manager's provider calls) and lets the core resolver substitute them, which names
 * a cycle or a missing target. A referenced secret's later change reaches the referencing one at
 * that one's own next refresh.
 */
import { referencedSecrets, resolveReferences } from '../core/references.js';

/**
 * The value of `name` whose stored form is `raw`, with its references resolved. `read` returns a
 * referenced secret's stored value (undefined when it has none); `env` serves `${env:..}`.
 */
export async function resolveStored(name: string, raw: string, read: (name: string) => Promise<string | undefined>, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const raws = new Map<string, string>([[name, raw]]);
  const pending = referencedSecrets(raw, `Secret ${name}`);
  while (pending.length > 0) {
    const next = pending.shift() as string;
    if (raws.has(next)) continue;
    const stored = await read(next);
    if (stored === undefined) continue;
    raws.set(next, stored);
    for (const further of referencedSecrets(stored, `Secret ${next}`)) if (!raws.has(further)) pending.push(further);
  }
  return resolveReferences(raws, { env }).get(name) as string;
}
