/**
 * An HMAC keyring for webhook-signing and session secrets that Coffer rotates: sign with the
 * `current` key, accept a signature made with any live key (`previous` too during a rotation's
 * grace period). Signatures are compared in constant time. `secrets()` gives the list, current
 * first, that session middlewares (express-session, cookie-parser, keygrip) take to sign with
 * the first and accept all.
 *
 * @example
 * const webhooks = createSigningKeyring({ manager, name: 'WEBHOOK_SECRET' });
 * const { kid, signature } = await webhooks.sign(body);           // send both as headers
 * const ok = await webhooks.verify(body, signature, kid);         // on the receiving side
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { openLiveKeys, type KeyringOptions, type LiveKey } from './_live-keys.js';

/** Options of {@link createSigningKeyring}. */
export interface SigningKeyringOptions extends KeyringOptions {
  /** HMAC hash; default `sha256`. */
  readonly hash?: 'sha256' | 'sha384' | 'sha512';
}

/** A signature and the key id that made it. */
export interface Signature {
  /** Key id (the secret's version id): send it with the signature so the verifier picks the key. */
  readonly kid: string;
  /** Lower-case hex HMAC of the data. */
  readonly signature: string;
}

/** Signs and verifies across rotations of one secret. */
export interface SigningKeyring {
  /** HMAC of `data` with the current key. */
  sign(data: string | Uint8Array): Promise<Signature>;
  /**
   * True when `signature` (hex) is the HMAC of `data` under the live key `kid`, or, without
   * `kid`, under any live key. Constant-time; false for a retired key or malformed input.
   */
  verify(data: string | Uint8Array, signature: string, kid?: string): Promise<boolean>;
  /** The live key values, current first, for middlewares that rotate by list. */
  secrets(): Promise<string[]>;
  /** The live key ids, current first. */
  keyIds(): Promise<string[]>;
  /** Reads the keys again now. */
  reload(): Promise<void>;
  /** Stops listening to the manager. */
  close(): void;
}

/** Creates an HMAC keyring over the secret `options.name`. */
export function createSigningKeyring(options: SigningKeyringOptions): SigningKeyring {
  const keys = openLiveKeys(options);
  const hash = options.hash ?? 'sha256';
  const mac = (key: LiveKey, data: string | Uint8Array) => createHmac(hash, key.value).update(data).digest();

  return {
    async sign(data) {
      const key = await keys.current();
      return { kid: key.kid, signature: mac(key, data).toString('hex') };
    },
    async verify(data, signature, kid) {
      if (!/^[0-9a-fA-F]*$/.test(signature)) return false;
      const given = Buffer.from(signature, 'hex');
      const candidates = kid === undefined ? await keys.all() : [await keys.find(kid)].filter((key): key is LiveKey => key !== undefined);
      let ok = false;
      // Every candidate is checked, so timing does not tell which key matched.
      for (const key of candidates) {
        const expected = mac(key, data);
        if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
      }
      return ok;
    },
    secrets: async () => (await keys.all()).map((key) => key.value),
    keyIds: async () => (await keys.all()).map((key) => key.kid),
    reload: async () => {
      await keys.reload();
    },
    close: keys.close,
  };
}
