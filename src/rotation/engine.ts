/**
 * The rotation engine: rotates one secret through the four steps of the AWS Secrets Manager
 * protocol (create the new value as `pending`, set it at the target, test it, finish by making
 * it `current`), then, once the grace period is over, revokes the old credential at the target
 * and retires `previous`.
 *
 * Crash safety: the journal (journal.ts) is written before and after every step and the provider
 * holds every value under a stage, so after a kill at any instant the next run repeats the step
 * that was in flight (every rotator step is idempotent) and carries on, or rolls back. The old
 * value is never dropped before the new one is stored, applied and tested: `current` moves only
 * after the test passed. A failed set or test rolls back at once: the target gets the old
 * credential back and `pending` is discarded. A rollback (also `coffer rollback` of a finished
 * rotation) is journaled as `rolling-back` before the target is touched, so a cut-off rollback
 * is finished, never mistaken for a finished rotation. A file lock per secret stops a second
 * process from rotating the same secret at the same time. The journal and the lock are per
 * project directory, while a provider such as AWS is shared: a `pending` value no journal here
 * knows of is rolled back at the target before it is discarded (docs/rotation.md says to rotate
 * a secret from one place).
 *
 * Values pass between the provider and the rotator only; no value reaches the journal, the
 * audit log, an error or the outcome.
 */
import { randomUUID } from 'node:crypto';
import { rotationDeadline } from '../core/categories.js';
import { CofferError, isCofferError } from '../core/errors.js';
import type { ResolvedSecret } from '../config/resolve.js';
import { withFileLock } from '../io/file-lock.js';
import type { Provider, SecretRecord } from '../providers/types.js';
import { runHealthCheck } from './health-check.js';
import { ensureJournalDir, journalPath, readJournal, removeJournal, writeJournal, type JournalEntry, type RotationPhase } from './journal.js';
import type { RotationSubject, Rotator, RotationValues } from './types.js';

/** What the engine needs to rotate the secrets of one environment. */
export interface RotationEngineOptions {
  /** The environment's provider; it must declare `stages`. */
  readonly provider: Provider;
  /** The project root (the journal lives under `.coffer/rotation/`). */
  readonly root: string;
  readonly environment: string;
  readonly profile: 'production' | 'development';
  /** Opens the rotator configured for a secret. */
  rotatorFor(secret: ResolvedSecret): Promise<Rotator>;
  /** A new random value meeting the secret's policy. */
  generate(secret: ResolvedSecret): string;
  /** Environment variables (health check commands, failpoints). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
  /** Reports a step as it starts, for progress on stderr; value-free. */
  readonly progress?: (name: string, step: string) => void;
}

/** Options of {@link RotationEngine.rotate}. */
export interface RotateOptions {
  /** How long `previous` stays valid; 0 retires it at finish. */
  readonly graceMs: number;
  /** An incident: no grace, the old credential is revoked at once, and the audit log says why. */
  readonly compromised?: boolean;
}

/** What happened to one secret, value-free: the rotation report's row. */
export interface RotationOutcome {
  readonly name: string;
  /**
   * `rotated`: the new value is current (and the old one valid until `graceUntil`);
   * `retired`: the old credential was revoked and `previous` cleared; `resumed`: an interrupted
   * rotation was finished; `rolled-back`: a rotation was undone; `in-grace`: nothing to do yet.
   */
  readonly status: 'rotated' | 'retired' | 'resumed' | 'rolled-back' | 'in-grace';
  readonly fromVersion?: string;
  readonly toVersion?: string;
  readonly graceUntil?: string;
  /** Milliseconds per step. */
  readonly steps: Readonly<Record<string, number>>;
  /** Value-free notes (an overlapping-less target, an incident recorded). */
  readonly notes: readonly string[];
}

/** Rotates secrets of one environment; see the module comment for the guarantees. */
export class RotationEngine {
  private readonly provider: Provider;
  private readonly now: () => Date;

  constructor(private readonly options: RotationEngineOptions) {
    this.provider = options.provider;
    this.now = options.now ?? (() => new Date());
    if (!options.provider.capabilities.stages) {
      throw new CofferError('COFFER_E_UNSUPPORTED', `Rotation needs a provider that keeps stages (current, previous, pending), such as store or aws-secrets-manager; environment "${options.environment}" uses ${options.provider.id}. Move it with \`coffer migrate\` first.`);
    }
  }

  /**
   * Rotates `secret`. An interrupted rotation of it is finished or rolled back first. When it was
   * rolled back, the rotation asked for then runs; when it was finished, its new value is current
   * and the run ends there (the outcome says `resumed` and no second rotation was started). With
   * `compromised`, the interrupted rotation finishes with no grace (its old value revoked at once,
   * as an incident) or rolls back, and a fresh compromised rotation follows either way. An earlier
   * rotation whose grace period is over (or whose retirement after it was cut off) is retired
   * first; one still in its grace period is refused (COFFER_E_ROTATION_IN_PROGRESS) unless this
   * rotation is for a compromise.
   */
  async rotate(secret: ResolvedSecret, options: RotateOptions): Promise<RotationOutcome> {
    return this.locked(secret, async (rotator) => {
      let open = readJournal(this.options.root, this.options.environment, secret.name);
      const notes: string[] = [];
      if (open?.phase === 'revoking' && open.graceMs > 0) {
        // An earlier rotation was cut off while retiring its old value at the end of its grace
        // period: as when the grace is over, the retirement is finished and the rotation asked
        // for runs. (With no grace, the retirement was part of the interrupted rotation itself,
        // which is resumed below like any other.)
        const retired = await this.retire(options.compromised ? { ...open, compromised: true } : open, secret, rotator, {});
        notes.push(`the retirement of the previous rotation's old value (version ${open.fromVersion}), cut off, was finished first`, ...retired.notes);
        open = undefined;
      } else if (open !== undefined && open.phase !== 'finished') {
        // An incident overrides the interrupted run's grace: whatever it was, the credential that
        // was current when the compromise was declared must stop working now, and say why.
        const resumed = await this.resume(options.compromised ? { ...open, compromised: true, graceMs: 0 } : open, secret, rotator, 'resumed');
        if (resumed.status !== 'rolled-back' && !options.compromised) {
          return { ...resumed, notes: [...resumed.notes, `the rotation asked for was not started: finishing the interrupted one made a new value current${resumed.graceUntil ? ` (the old one stays valid until ${resumed.graceUntil})` : ''}`] };
        }
        notes.push(...resumed.notes);
        open = readJournal(this.options.root, this.options.environment, secret.name);
      }
      if (open !== undefined) {
        if (!options.compromised && !this.graceOver(open)) {
          throw new CofferError('COFFER_E_ROTATION_IN_PROGRESS', `${secret.name} was rotated at ${open.updatedAt} and its old value stays valid until ${open.graceUntil ?? 'the grace period ends'}; rotate it again after that, or end the grace period now with \`coffer rotate ${this.options.environment} --finalize ${secret.name}\`.`, { details: { name: secret.name } });
        }
        // In an incident the old value still in its grace period is cut short as well, and recorded as such.
        const retired = await this.retire(options.compromised ? { ...open, compromised: true } : open, secret, rotator, {});
        notes.push(`the previous rotation's old value (version ${open.fromVersion}) was ${options.compromised ? 'revoked at once' : 'retired'} first`, ...retired.notes);
      }
      const outcome = await this.start(secret, rotator, options, notes);
      return { ...outcome, notes: [...new Set(outcome.notes)] };
    });
  }

  /** Ends grace periods: retires `previous` of `secret` when its grace is over, or at once with `force`. */
  async finalize(secret: ResolvedSecret, force: boolean): Promise<RotationOutcome | undefined> {
    return this.locked(secret, async (rotator) => {
      const open = readJournal(this.options.root, this.options.environment, secret.name);
      if (open === undefined) return undefined;
      if (open.phase !== 'finished') return this.resume(open, secret, rotator, 'resumed');
      if (!force && !this.graceOver(open)) return { name: secret.name, status: 'in-grace', fromVersion: open.fromVersion, ...(open.pendingVersion ? { toVersion: open.pendingVersion } : {}), ...(open.graceUntil ? { graceUntil: open.graceUntil } : {}), steps: {}, notes: [] };
      return this.retire(open, secret, rotator, {});
    });
  }

  /**
   * Undoes the last rotation of `secret` during its grace period: the target accepts the old
   * credential again and refuses the new one, the old version becomes `current` again, and the
   * new one keeps no stage. The journal says `rolling-back` (and which version it restores)
   * before the target is touched, so a rollback cut off halfway is finished by the next
   * `coffer rollback` or `coffer rotate` of the secret. An unfinished rotation is rolled back
   * too. After the grace period the old credential is revoked and this is refused: rotate again
   * instead.
   */
  async rollback(secret: ResolvedSecret): Promise<RotationOutcome> {
    return this.locked(secret, async (rotator) => {
      const open = readJournal(this.options.root, this.options.environment, secret.name);
      const none = (why: string) => new CofferError('COFFER_E_USAGE', `${secret.name} has no rotation to roll back: ${why}. Rotate it again with \`coffer rotate ${this.options.environment} ${secret.name}\`.`);
      if (open === undefined) throw none('its old value was retired at the end of the grace period, or it was never rotated');
      if (open.phase === 'revoking') {
        // The old credential may already be revoked at the target, which a rotator's rollback
        // cannot undo: the retirement is finished instead.
        await this.retire(open, secret, rotator, {});
        throw none(`its old value (version ${open.fromVersion}) was being retired, and that has now been finished`);
      }
      const reason = open.reason ?? 'rollback asked for';
      const journal = this.write({ ...open, phase: 'rolling-back', reason, ...(open.pendingVersion === undefined ? {} : { restore: open.fromVersion }) });
      const outcome = await this.resume(journal, secret, rotator, 'rolled-back');
      return { ...outcome, ...(open.pendingVersion === undefined ? {} : { fromVersion: open.pendingVersion, toVersion: open.fromVersion }), notes: open.phase === 'finished' ? [] : outcome.notes };
    });
  }

  private async start(secret: ResolvedSecret, rotator: Rotator, options: RotateOptions, notes: readonly string[]): Promise<RotationOutcome> {
    const current = await this.provider.get(secret.name);
    const fromVersion = current.metadata.version;
    if (fromVersion === undefined) throw new CofferError('COFFER_E_UNSUPPORTED', `${this.provider.id} reported no version for ${secret.name}; rotation needs versions.`);
    const at = this.now().toISOString();
    const compromised = options.compromised === true;
    const graceMs = compromised ? 0 : options.graceMs;
    // Anything left under `pending` belongs to no journal here: the target is put back on
    // `current`, then it is discarded (discardOrphan). This comes before the journal is written,
    // so a provider that will not write this secret (a property of a JSON secret in AWS) refuses
    // here and leaves no rotation open behind it.
    const orphan = await this.discardOrphan(secret, rotator, current);
    const before = orphan === undefined ? notes : [...notes, orphan];
    await this.stage(() => this.provider.clearStage?.(secret.name, 'pending'));
    let journal = this.write({ format: 1, token: randomUUID(), environment: this.options.environment, name: secret.name, rotator: rotator.id, phase: 'creating', fromVersion, graceMs, compromised, startedAt: at, updatedAt: at });
    const steps: Record<string, number> = {};
    const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
      this.progress(secret.name, step);
      const t0 = Date.now();
      try {
        return await work();
      } finally {
        steps[step] = Date.now() - t0;
      }
    };
    const value = await timed('create', () => rotator.create({ subject: this.subject(secret), current: current.value, generate: () => this.options.generate(secret) }));
    const pendingVersion = await timed('store', async () => {
      const rotateBy = rotationDeadline(this.now(), secret.rotationDays);
      return (await this.provider.putPending?.(secret.name, value, { token: journal.token, metadata: { rotateBy } })) as string;
    });
    this.failpoint('after-create');
    journal = this.write({ ...journal, phase: 'created', pendingVersion });
    const outcome = await this.advance(journal, secret, rotator, steps);
    return { ...outcome, notes: [...before, ...outcome.notes] };
  }

  /** Carries an interrupted rotation on from where its journal says it stopped. */
  private async resume(journal: JournalEntry, secret: ResolvedSecret, rotator: Rotator, status: RotationOutcome['status']): Promise<RotationOutcome> {
    const note = `an interrupted rotation (stopped at "${journal.phase}") was ${journal.phase === 'rolling-back' ? 'rolled back' : 'finished'}`;
    if (journal.phase === 'creating' || journal.pendingVersion === undefined) {
      // The new value may or may not have been stored, and was never applied: discard it.
      await this.stage(() => this.provider.clearStage?.(secret.name, 'pending'));
      removeJournal(this.options.root, this.options.environment, secret.name);
      await this.audit('rotate-rollback', secret.name, 'interrupted while creating the new value; discarded');
      return { name: secret.name, status: 'rolled-back', fromVersion: journal.fromVersion, steps: {}, notes: ['an interrupted rotation had not stored its new value yet; nothing was applied, so it was discarded'] };
    }
    if (journal.phase === 'rolling-back') return this.undo(journal, secret, rotator, journal.reason ?? 'interrupted', {}, 'rolled-back');
    if (journal.phase === 'revoking') return { ...(await this.retire(journal, secret, rotator, {})), notes: [note] };
    const outcome = await this.advance(journal, secret, rotator, {});
    return { ...outcome, status: outcome.status === 'rotated' ? status : outcome.status, notes: [note, ...outcome.notes] };
  }

  /** Runs set, test and finish from `journal.phase` on; rolls back when set or test fails. */
  private async advance(journal: JournalEntry, secret: ResolvedSecret, rotator: Rotator, steps: Record<string, number>): Promise<RotationOutcome> {
    const subject = this.subject(secret);
    const pendingVersion = journal.pendingVersion as string;
    const values: RotationValues = { current: await this.value(secret.name, journal.fromVersion), pending: await this.value(secret.name, pendingVersion) };
    const from = (phases: readonly RotationPhase[]) => phases.includes(journal.phase);
    const step = async (name: string, before: RotationPhase, after: RotationPhase, work: () => Promise<void>, extra: () => Partial<JournalEntry> = () => ({})) => {
      journal = this.write({ ...journal, phase: before });
      this.progress(secret.name, name);
      const t0 = Date.now();
      await work();
      steps[name] = Date.now() - t0;
      journal = this.write({ ...journal, ...extra(), phase: after });
      this.failpoint(`after-${name}`);
    };
    let failed: string | undefined;
    try {
      failed = 'set';
      if (from(['created', 'setting'])) await step('set', 'setting', 'set', () => rotator.set(subject, values));
      failed = 'test';
      if (from(['created', 'setting', 'set', 'testing'])) {
        // Whether the target kept the old credential is written with the tested phase: a run that
        // resumes past test has a rotator that may not have asked the target (Redis `auto`).
        await step('test', 'testing', 'tested', async () => {
          await rotator.test(subject, values);
          if (secret.rotation?.healthCheck) await runHealthCheck(secret.rotation.healthCheck, secret.name, values.pending, this.options.env ?? process.env);
        }, () => ({ overlapping: rotator.traits.overlapping }));
      }
    } catch (error) {
      const reason = `${failed} failed: ${isCofferError(error) ? error.code : 'error'}`;
      return this.undo(this.write({ ...journal, phase: 'rolling-back', reason }), secret, rotator, reason, steps, 'rolled-back', error);
    }
    // A target that accepts one credential at a time stopped accepting the old one at set: there
    // is nothing left to keep valid, so the rotation ends with no grace (RotatorTraits.overlapping).
    const overlapping = journal.overlapping ?? rotator.traits.overlapping;
    if (!overlapping && journal.graceMs !== 0) journal = { ...journal, graceMs: 0 };
    // The grace period is written with the finished phase: a journal never says finished without its end.
    const graceUntil = () => new Date(this.now().getTime() + journal.graceMs).toISOString();
    await step('finish', 'finishing', 'finished', () => this.stage(() => this.provider.moveStage?.(secret.name, 'current', pendingVersion)), () => ({ graceUntil: graceUntil() }));
    const notes: string[] = [];
    if (!overlapping) notes.push(`the target accepts one credential at a time (${rotator.id}): the old one stopped working when the new one was set, so there was no grace period`);
    await this.audit('rotate', secret.name, `version ${journal.fromVersion} -> ${pendingVersion}; grace ${Math.round(journal.graceMs / 1000)}s${journal.compromised ? '; compromised' : ''}`);
    if (journal.graceMs === 0) {
      const retired = await this.retire(journal, secret, rotator, steps);
      return { ...retired, status: 'rotated', toVersion: pendingVersion, notes: [...notes, ...retired.notes] };
    }
    return { name: secret.name, status: 'rotated', fromVersion: journal.fromVersion, toVersion: pendingVersion, ...(journal.graceUntil ? { graceUntil: journal.graceUntil } : {}), steps, notes };
  }

  /** Revokes the old credential at the target and clears `previous`; the rotation ends. */
  private async retire(journal: JournalEntry, secret: ResolvedSecret, rotator: Rotator, steps: Record<string, number>): Promise<RotationOutcome> {
    journal = this.write({ ...journal, phase: 'revoking' });
    this.progress(secret.name, 'revoke');
    const t0 = Date.now();
    const versions = { previous: journal.fromVersion, current: journal.pendingVersion as string };
    const values = { previous: await this.value(secret.name, versions.previous), current: await this.value(secret.name, versions.current), versions };
    await rotator.revoke(this.subject(secret), values);
    this.failpoint('after-revoke');
    await this.stage(() => this.provider.clearStage?.(secret.name, 'previous'));
    steps.revoke = Date.now() - t0;
    removeJournal(this.options.root, this.options.environment, secret.name);
    const notes: string[] = [];
    if (journal.compromised) {
      await this.audit('incident', secret.name, `compromised: version ${journal.fromVersion} revoked at once, no grace period`);
      // Only providers that keep an audit log (the store) record it; the note must not claim otherwise.
      notes.push(this.provider.audit === undefined
        ? `incident not recorded: ${this.provider.id} keeps no Coffer audit log; record it where that backend's access is logged`
        : 'incident recorded in the audit log');
    } else {
      await this.audit('rotate-retire', secret.name, `version ${journal.fromVersion} revoked`);
    }
    return { name: secret.name, status: 'retired', fromVersion: journal.fromVersion, ...(journal.pendingVersion ? { toVersion: journal.pendingVersion } : {}), steps, notes };
  }

  /**
   * Rolls a rotation back, then reports why it failed (or, when resuming or asked for, that it
   * was undone). Runs with the journal at `rolling-back`, and every part is repeatable: the
   * rotator's rollback is idempotent, and the stages are put back only where they still differ.
   */
  private async undo(journal: JournalEntry, secret: ResolvedSecret, rotator: Rotator, reason: string, steps: Record<string, number>, status: RotationOutcome['status'], cause?: unknown): Promise<RotationOutcome> {
    const pendingVersion = journal.pendingVersion as string;
    const values = { current: await this.value(secret.name, journal.fromVersion), pending: await this.value(secret.name, pendingVersion) };
    this.progress(secret.name, 'rollback');
    const t0 = Date.now();
    try {
      await rotator.rollback(this.subject(secret), values);
      this.failpoint('after-rollback');
      await this.restoreStages(secret.name, journal.fromVersion, pendingVersion);
    } catch (error) {
      const why = isCofferError(error) ? `${error.code}: ${error.message}` : 'error';
      if (journal.restore !== undefined) {
        throw new CofferError('COFFER_E_ROTATION_FAILED', `Rolling back ${secret.name} to version ${journal.restore} failed (${why}): the target or the stages may be halfway. Nothing was lost: run \`coffer rollback ${this.options.environment} ${secret.name}\` again to finish the rollback.`, { cause: error, details: { name: secret.name, reason } });
      }
      throw new CofferError('COFFER_E_ROTATION_FAILED', `Rotating ${secret.name} failed (${reason}) and rolling back failed too (${why}): the target may hold the new credential. Nothing was lost: run \`coffer rotate ${this.options.environment} ${secret.name}\` again to finish the rollback.`, { cause: error, details: { name: secret.name, reason } });
    }
    steps.rollback = Date.now() - t0;
    removeJournal(this.options.root, this.options.environment, secret.name);
    await this.audit('rotate-rollback', secret.name, journal.restore !== undefined ? `version ${pendingVersion} -> ${journal.restore}` : reason);
    if (cause === undefined) return { name: secret.name, status, fromVersion: journal.fromVersion, steps, notes: [`rolled back: ${reason}`] };
    const failure = isCofferError(cause) ? `${cause.code}: ${cause.message}` : 'an unexpected error';
    throw new CofferError('COFFER_E_ROTATION_FAILED', `Rotating ${secret.name} failed at the ${reason.split(' ')[0]} step (${failure}); rolled back: the target keeps the old credential and the new value was discarded.`, { cause, details: { name: secret.name, reason } });
  }

  /**
   * Puts the stages back as before the rotation: `fromVersion` current, the rotation's own
   * version under no stage. `current` is moved back only while the rotation's version holds it
   * (a value set by hand since is left alone); each change is made only when still needed, so
   * a run cut off here repeats it safely.
   */
  private async restoreStages(name: string, fromVersion: string, pendingVersion: string): Promise<void> {
    if ((await this.stageVersion(name, 'current')) === pendingVersion) {
      await this.stage(() => this.provider.moveStage?.(name, 'current', fromVersion));
      this.failpoint('after-restore');
    }
    if ((await this.stageVersion(name, 'previous')) === pendingVersion) await this.stage(() => this.provider.clearStage?.(name, 'previous'));
    await this.stage(() => this.provider.clearStage?.(name, 'pending'));
  }

  /**
   * Discards a `pending` value that no journal here accounts for, before a new rotation: one
   * left by another machine or checkout sharing the provider (the journal and the lock are per
   * project directory), by a lost `.coffer` directory, or by another tool. That run may have set
   * it at the target already, and a target that accepts one credential at a time (a single
   * PostgreSQL role, Redis requirepass) then accepts it alone; so the rotator first puts the
   * target back on `current` (idempotent, and harmless when set never ran), and only then is
   * `pending` cleared. Returns a value-free note, or undefined when no other value was pending.
   */
  private async discardOrphan(secret: ResolvedSecret, rotator: Rotator, current: SecretRecord): Promise<string | undefined> {
    let orphan: SecretRecord;
    try {
      orphan = await this.provider.get(secret.name, { stage: 'pending' });
    } catch (error) {
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
      throw error;
    }
    const version = orphan.metadata.version ?? '?';
    // A pending label left on the current version (a finish whose answer was lost) is no other credential.
    if (version === current.metadata.version) return undefined;
    this.progress(secret.name, 'rollback');
    try {
      await rotator.rollback(this.subject(secret), { current: current.value, pending: orphan.value });
    } catch (error) {
      throw new CofferError('COFFER_E_ROTATION_FAILED', `${secret.name} has a value left pending (version ${version}) by a rotation this project has no journal of (run from another machine or checkout, or its .coffer directory was lost); putting the target back on the current credential before discarding it failed (${isCofferError(error) ? `${error.code}: ${error.message}` : 'error'}). The pending value was kept: run the rotation again once the target answers.`, { cause: error, details: { name: secret.name } });
    }
    await this.stage(() => this.provider.clearStage?.(secret.name, 'pending'));
    await this.audit('rotate-rollback', secret.name, `version ${version} was pending with no journal here; the target was put back on version ${current.metadata.version ?? '?'} and it was discarded`);
    return `a value left pending (version ${version}) by a rotation with no journal here was rolled back at the target and discarded`;
  }

  private async locked<T>(secret: ResolvedSecret, work: (rotator: Rotator) => Promise<T>): Promise<T> {
    const path = journalPath(this.options.root, this.options.environment, secret.name);
    ensureJournalDir(this.options.root, this.options.environment);
    // Only a lock this run could not take means another rotation; the same code from the work
    // itself (a store busy under SQLite's lock, say) is reported as it is.
    let acquired = false;
    try {
      return await withFileLock(path, async () => {
        acquired = true;
        const rotator = await this.options.rotatorFor(secret);
        try {
          return await work(rotator);
        } finally {
          await rotator.close();
        }
      }, { timeoutMs: 0 });
    } catch (error) {
      if (!acquired && isCofferError(error, 'COFFER_E_UNAVAILABLE')) {
        throw new CofferError('COFFER_E_ROTATION_IN_PROGRESS', `Another coffer process is rotating ${secret.name} in ${this.options.environment} right now; let it finish, then check with \`coffer status ${this.options.environment}\`.`, { cause: error, details: { name: secret.name } });
      }
      throw error;
    }
  }

  private subject(secret: ResolvedSecret): RotationSubject {
    return { name: secret.name, environment: this.options.environment, category: secret.category, profile: this.options.profile };
  }

  private async value(name: string, version: string): Promise<string> {
    return (await this.provider.get(name, { version })).value;
  }

  /** The version holding `stage`, or undefined when none does. */
  private async stageVersion(name: string, stage: 'current' | 'previous'): Promise<string | undefined> {
    try {
      return (await this.provider.get(name, { stage })).metadata.version;
    } catch (error) {
      if (isCofferError(error, 'COFFER_E_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  private async stage(work: () => Promise<void> | undefined): Promise<void> {
    await work();
  }

  private graceOver(journal: JournalEntry): boolean {
    return journal.graceUntil !== undefined && Date.parse(journal.graceUntil) <= this.now().getTime();
  }

  private write(entry: JournalEntry): JournalEntry {
    return writeJournal(this.options.root, { ...entry, updatedAt: this.now().toISOString() });
  }

  private progress(name: string, step: string): void {
    this.options.progress?.(name, step);
  }

  private async audit(action: string, name: string, detail: string): Promise<void> {
    await this.provider.audit?.({ action, name, detail });
  }

  /**
   * Crash testing: when COFFER_FAILPOINT names this point (`after-set`, ...), the process kills
   * itself with SIGKILL, as a power cut would, so tests can prove recovery from every step.
   */
  private failpoint(point: string): void {
    if ((this.options.env ?? process.env).COFFER_FAILPOINT === point) process.kill(process.pid, 'SIGKILL');
  }
}
