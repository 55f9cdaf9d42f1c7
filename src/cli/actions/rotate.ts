/**
 * `coffer rotate [env] [all|jwt|database|redis|api_keys|encryption|NAME...]`: rotates secrets with
 * zero downtime (see src/rotation/engine.ts), or with `--plan` says what it would do. Production
 * asks for confirmation unless `--yes`. `--due` rotates only what is past its date (for cron),
 * `--compromised` rotates with no grace period and records an incident, `--finalize` ends grace
 * periods. Prints a value-free report (or `--json`). Exit status: 1 when a secret failed, or when
 * `--compromised` had to skip one (it is still compromised, and the report says so); but the
 * exit status of a failure's code when higher: 3 when the provider or store was unavailable, 2
 * for a config error (CONVENTIONS), so a retry loop can tell an outage from a refused rotation.
 */
import { CofferError, ERROR_CODES } from '../../core/errors.js';
import { durationMs } from '../../config/resolve.js';
import { DURATION } from '../../config/schema.js';
import { getEnvironment } from '../../config/index.js';
import { rotateSecrets, type RotationResult } from '../../rotation/rotate.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { ask } from '../prompt.js';

interface RotateCliOptions extends EnvCliOptions {
  grace?: string;
  plan?: boolean;
  yes?: boolean;
  due?: boolean;
  compromised?: boolean;
  finalize?: boolean;
  json?: boolean;
}

/** Runs `coffer rotate`. */
export async function run(options: RotateCliOptions): Promise<number> {
  const { config, environment, selectors } = environmentAndSelectors(options);
  if (options.compromised && selectors.length === 0) throw new CofferError('COFFER_E_USAGE', 'Name what was compromised: `coffer rotate --compromised NAME...`, or `--compromised all`.');
  if (options.compromised && (options.finalize || options.due)) throw new CofferError('COFFER_E_USAGE', '--compromised rotates at once; it does not combine with --finalize or --due.');
  if (options.grace !== undefined && !DURATION.test(options.grace)) throw new CofferError('COFFER_E_USAGE', `--grace takes a duration such as 1h, 30m or 0, not "${options.grace}".`);
  const profile = getEnvironment(config, environment).profile;
  if (!options.plan && profile === 'production' && options.yes !== true) {
    if (!canPrompt(undefined) || options.json === true) throw new CofferError('COFFER_E_USAGE', `Rotating secrets of ${environment} (a production environment) needs confirmation; there is no terminal to ask on, so pass --yes (see what would happen with --plan).`);
    const answer = await ask(`Rotate ${selectors.length === 0 ? 'all secrets' : selectors.join(', ')} of ${environment}? Type yes to go on`, 'no');
    if (answer !== 'yes') throw new CofferError('COFFER_E_CANCELLED', 'Not confirmed; nothing was rotated.');
  }
  const progress = options.json ? undefined : (name: string, step: string) => process.stderr.write(color.dim(`  ${name}: ${step}\n`));
  const report = await rotateSecrets({
    config, environment, selectors, access: cliAccess(options),
    ...(options.grace === undefined ? {} : { graceMs: durationMs(options.grace) }),
    ...(options.plan ? { plan: true } : {}),
    ...(options.due ? { due: true } : {}),
    ...(options.compromised ? { compromised: true } : {}),
    ...(options.finalize ? { finalize: true } : {}),
    ...(progress ? { progress } : {}),
  });
  const failed = report.results.filter((r) => r.status === 'failed').length;
  // In an incident a skipped secret is still compromised: that is a failure, never exit 0.
  const notRotated = options.compromised && !report.plan ? report.results.filter((r) => r.status === 'skipped').map((r) => r.name) : [];
  // A failed row exits as its code says (3: provider or store unavailable, 2: config), the worst one winning; else 1.
  const code = Math.max(0, notRotated.length > 0 ? 1 : 0, ...report.results.map((r) => (r.status === 'failed' ? ERROR_CODES[r.code].exit : 0)));
  if (options.json) {
    printJson(report);
    return code;
  }
  print(`${report.plan ? 'Rotation plan' : 'Rotation report'} for ${environment}:`);
  if (report.results.length === 0) print(options.due ? '  nothing is due' : '  nothing to do');
  for (const result of report.results) print(...describe(result));
  if (failed > 0) print('', color.red(`${failed} rotation${failed > 1 ? 's' : ''} failed; see above.`));
  if (notRotated.length > 0) print('', color.red(`NOT rotated, still compromised: ${notRotated.join(', ')}. Change each at the system that checks it now and \`coffer set\` the new value; the reasons above say what to configure so that coffer rotates it.`));
  return code;
}

/** The environment (a first argument naming one, -e, COFFER_ENV or the default) and the selectors after it. */
function environmentAndSelectors(options: RotateCliOptions) {
  const args = options.args ?? [];
  const { config, environment: fallback } = loadContext(options, { positionalEnv: false });
  const first = args[0];
  if (first !== undefined && Object.hasOwn(config.environments, first)) {
    if (options.env !== undefined && options.env !== first) throw new CofferError('COFFER_E_USAGE', `Two environments given ("${first}" and -e "${options.env}"); give one.`);
    return { config, environment: first, selectors: args.slice(1) };
  }
  return { config, environment: fallback, selectors: args };
}

function describe(result: RotationResult): string[] {
  const head = `  ${result.name}: `;
  switch (result.status) {
    case 'failed': return [`${head}${color.red('failed')} ${result.code}: ${result.message}`];
    case 'skipped': return [`${head}${color.yellow('skipped')}, ${result.reason}`];
    case 'planned': return [`${head}${result.rotator}, ${result.graceMs === 0 ? 'no grace period' : `grace ${Math.round(result.graceMs / 60_000)} min`}`, ...result.actions.map((a) => `      - ${a}`)];
    default: {
      const versions = result.toVersion === undefined ? '' : ` version ${result.fromVersion ?? '?'} -> ${result.toVersion}`;
      const grace = result.status === 'rotated' && result.graceUntil !== undefined ? `; old value valid until ${result.graceUntil}` : '';
      return [`${head}${color.green(result.status)}${versions}${grace}`, ...result.notes.map((n) => `      ${n}`)];
    }
  }
}
