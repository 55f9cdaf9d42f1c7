/**
 * `coffer audit`: lists the audit log of an environment's store, oldest first, with filters
 * (secret, action, since, newest N) as a table or JSON. Entries never hold a value; reads close
 * together are one entry whose detail counts them.
 */
import { listAudit, type AuditRecord } from '../../project/audit.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print } from '../output.js';

interface AuditCliOptions extends EnvCliOptions {
  secret?: string;
  action?: string;
  since?: string;
  limit?: string;
  allEnvs?: boolean;
  json?: boolean;
}

/** Runs `coffer audit`. */
export async function run(options: AuditCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const listing = await listAudit({
    config, environment, access: cliAccess(options),
    ...(options.secret === undefined ? {} : { secret: options.secret }),
    ...(options.action === undefined ? {} : { action: options.action }),
    ...(options.since === undefined ? {} : { since: options.since }),
    // Anything but plain digits (1e3, -5, 0x10) becomes NaN, which listAudit refuses by name.
    ...(options.limit === undefined ? {} : { limit: /^\d{1,15}$/.test(options.limit) ? Number(options.limit) : Number.NaN }),
    ...(options.allEnvs ? { allEnvs: true } : {}),
  });
  if (options.json) {
    // JSON escapes C0 controls but not C1 ones (U+0080-U+009F, e.g. CSI); escape those too.
    process.stdout.write(`${JSON.stringify(listing.entries, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)}\n`);
    return 0;
  }
  const scope = listing.env === null ? 'all environments' : `environment ${listing.env}`;
  print(`Audit log of ${listing.store} (${scope}): ${listing.entries.length} entr${listing.entries.length === 1 ? 'y' : 'ies'}${listing.since ? ` since ${listing.since}` : ''}`);
  if (listing.entries.length > 0) print('', ...table(listing.entries));
  if (listing.env !== null) print('', color.dim('Store-wide entries (key rotations and changes) and other environments: --all-envs.'));
  return 0;
}

function table(entries: readonly AuditRecord[]): string[] {
  const rows = entries.map((e) => [
    e.at, e.actor, e.action, [e.env ?? '*', e.name].filter((p) => p !== null).join('/'),
    e.version === null ? '-' : String(e.version), e.outcome, e.detail ?? '',
  ].map(printable));
  const head = ['TIME', 'ACTOR', 'ACTION', 'ENV/NAME', 'VERSION', 'OUTCOME', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [color.bold(line(head)), ...rows.map((r) => line(r))];
}

/**
 * A cell with control characters written as `\u{...}`: actors and details come from whoever
 * wrote the entry (COFFER_ACTOR, a token name), and an ESC or CSI printed raw could rewrite what
 * the person reading the log sees.
 */
function printable(cell: string): string {
  return [...cell].map((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u{${code.toString(16)}}` : c;
  }).join('');
}
