/**
 * `coffer validate [env]` and `coffer validate --env-file PATH`: runs the checks and prints the
 * report (human, or JSON with --json, grouped by compliance requirement with --compliance).
 * Exit 0 compliant, 1 non-compliant. Messages come from the engine and never hold a value.
 */
import { CofferError } from '../../core/errors.js';
import type { Profile } from '../../core/categories.js';
import { validateEnvFile, validateEnvironment, type ValidationOutcome } from '../../project/validate.js';
import { cliAccess, loadContext, optionalConfig, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface ValidateCliOptions extends EnvCliOptions {
  envFile?: string;
  profile?: Profile;
  compliance?: boolean;
  json?: boolean;
}

/** Runs `coffer validate`. */
export async function run(options: ValidateCliOptions): Promise<number> {
  const outcome = options.envFile === undefined ? await validateEnv(options) : await validateFile(options, options.envFile);
  if (options.json) {
    const { report } = outcome;
    printJson({
      status: report.status, summary: report.summary, results: report.results,
      subject: outcome.subject, skipped: outcome.skipped,
      ...(options.compliance ? { compliance: outcome.compliance, complianceNotes: outcome.complianceNotes } : {}),
    });
  } else {
    printHuman(outcome, options.compliance === true);
  }
  return outcome.report.status === 'COMPLIANT' ? 0 : 1;
}

async function validateEnv(options: ValidateCliOptions): Promise<ValidationOutcome> {
  if (options.profile !== undefined) throw new CofferError('COFFER_E_USAGE', '--profile applies to --env-file only; an environment uses the profile its config gives it.');
  const { config, environment } = loadContext(options);
  return validateEnvironment({ config, environment, access: cliAccess(options) });
}

async function validateFile(options: ValidateCliOptions, envFile: string): Promise<ValidationOutcome> {
  const cwd = process.cwd();
  if (options.args?.[0] !== undefined) throw new CofferError('COFFER_E_USAGE', 'Give either an environment or --env-file, not both; use -e to pick the rules of an environment for the file.');
  // A config is optional here: used when present (declared categories), never required.
  const config = optionalConfig(cwd, options.config);
  if (config === undefined && options.env !== undefined) {
    throw new CofferError('COFFER_E_USAGE', '-e names a config environment, but there is no coffer config here; use --profile production|development to pick the rules for the file.');
  }
  return validateEnvFile({
    path: envFile, cwd,
    ...(config === undefined ? {} : { config }),
    ...(options.env === undefined || config === undefined ? {} : { environment: options.env }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
}

function printHuman(outcome: ValidationOutcome, byCompliance: boolean): void {
  const { report, subject } = outcome;
  const what = [subject.environment, subject.file].filter(Boolean).join(' ');
  print(`Validating ${what} with ${subject.profile} rules`, '');
  if (byCompliance) {
    for (const group of outcome.compliance) {
      const failed = group.results.filter((r) => r.status === 'fail').length;
      print(`${badge(group.status)} ${group.framework} ${group.requirement}: ${group.title} (${group.results.length} checks, ${failed} failed)`);
      for (const r of group.results) if (r.status !== 'pass') print(`      ${r.secret} ${r.check}: ${r.message}`);
    }
    for (const n of outcome.complianceNotes) print(`${color.dim('NOTE')} ${n.framework} ${n.requirement}: ${n.title}: ${n.note}`);
  } else {
    const problems = report.results.filter((r) => r.status !== 'pass');
    for (const r of problems) print(`${badge(r.status)} ${r.secret.padEnd(28)} ${r.check.padEnd(13)} ${r.message}`);
    if (problems.length === 0) print('Every check passed.');
  }
  if (outcome.skipped.length > 0) print(color.dim(`Not checked: ${outcome.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}`));
  const { total, passed, failed, warnings } = report.summary;
  const rate = total === 0 ? 100 : (passed / total) * 100;
  print('', `Total checks: ${total}  Passed: ${passed}  Failed: ${failed}  Warnings: ${warnings}  Pass rate: ${rate.toFixed(1)}%`);
  print(`Status: ${report.status === 'COMPLIANT' ? color.green('COMPLIANT') : color.red('NON-COMPLIANT')}`);
}

function badge(status: 'pass' | 'fail' | 'warn'): string {
  if (status === 'fail') return color.red('FAIL');
  if (status === 'warn') return color.yellow('WARN');
  return color.green('PASS');
}
