import { createHash, timingSafeEqual } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import type { Aedes } from 'aedes';
import { errorMessage, type Log } from '@edgefl/core';
import { GATEWAY, isValidId } from '@edgefl/transport';
import type { BrokerHooks } from '../broker.js';
import { readKeyFile, roleOf, type KeyEntry } from './keystore.js';
import { TopicPolicy, type Identity, type Neighbours } from './policy.js';
import { verifySecret } from './secrets.js';

/**
 * Where credentials come from: a key file the gateway watches, or entries in memory (sim,
 * tests). In-memory entries may come with `knownSecrets`: the secret each entry's hash was
 * made from in this same process (`provisionFleet`, `provisionKnownFleet`). Those count as verified already, as a
 * first successful scrypt check would record them, so a fleet of 1,000 in-process agents
 * connecting at once does not queue 1,000 scrypt runs behind its CONNACKs; any other secret
 * is still checked against the hash. Never fill it from outside the process.
 */
export type KeySource =
  | { readonly file: string }
  | { readonly entries: readonly KeyEntry[]; readonly knownSecrets?: ReadonlyMap<string, string> };

export interface AuthorizerOptions {
  readonly keys: KeySource;
  /** the job(s) served; client ids and topics are checked against them */
  readonly jobs: readonly string[];
  readonly neighbours?: Neighbours;
  /** a secret for the embedded aggregator, valid only in this process (never stored) */
  readonly aggregatorSecret?: string;
  /** how often the key file is checked for changes, ms (default 1 000) */
  readonly watchIntervalMs?: number;
  readonly log: Log;
}

/** The client id each identity must use: no one can take over another's session. */
export function clientIdFor(job: string, id: string): string {
  return id === GATEWAY ? `edgefl-aggregator-${job}` : `edgefl-${job}-${id}`;
}

/**
 * The broker hooks `edgefl gateway` installs: authentication against the key file
 * (scrypt, in the thread pool), client ids bound to identities, and the topic policy
 * on every publish, subscribe and delivery. A revoked or rotated key takes effect on the
 * live connection: its client is disconnected and nothing more is delivered to it.
 */
export class Authorizer {
  private entries = new Map<string, KeyEntry>();
  /** identity of each authenticated client id, and the key hash it proved (`process` = the embedded aggregator's secret) */
  private readonly clients = new Map<string, Identity & { readonly proof: string }>();
  /** sha256(id, secret, entry hash) of secrets verified already, so a reconnect costs no scrypt */
  private readonly verified = new Set<string>();
  private readonly policy: TopicPolicy;
  private readonly aggregatorDigest: Buffer | null;
  private aedes: Aedes | null = null;
  private readonly log: Log;

  constructor(private readonly o: AuthorizerOptions) {
    this.log = o.log.child({ role: 'auth' });
    this.policy = new TopicPolicy({ jobs: new Set(o.jobs), ...(o.neighbours ? { neighbours: o.neighbours } : {}) });
    this.aggregatorDigest = o.aggregatorSecret === undefined ? null : digest(GATEWAY, o.aggregatorSecret, PROCESS);
    this.load();
    if ('file' in o.keys) {
      const file = o.keys.file;
      watchFile(file, { interval: o.watchIntervalMs ?? 1000, persistent: false }, () => this.reload());
    }
  }

  /** The broker whose live clients a revocation disconnects. */
  attach(aedes: Aedes): void {
    this.aedes = aedes;
  }

  get identities(): readonly string[] {
    return [...this.entries.keys()];
  }

  /** Re-reads the key file (the watcher calls it); clients whose key went or changed are dropped. */
  reload(): void {
    try {
      this.load();
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'key file unreadable; keeping the keys loaded before');
      return;
    }
    for (const [clientId, who] of this.clients) {
      if (!this.valid(who)) this.disconnect(clientId, who, 'its key was revoked or rotated');
    }
  }

  /** The neighbour sets changed (a new topology): drop cached rules. */
  topologyChanged(): void {
    this.policy.reset();
  }

  close(): void {
    if ('file' in this.o.keys) unwatchFile(this.o.keys.file);
  }

  readonly hooks: Required<Pick<BrokerHooks, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>> = {
    authenticate: (clientId, username, password) => this.authenticate(clientId, username, password),
    authorizePublish: (clientId, topic, retain) => {
      const who = this.clients.get(clientId);
      if (who === undefined || !this.valid(who)) return false;
      const ok = this.policy.mayPublish(who, topic, retain);
      if (!ok) this.log.warn({ clientId, identity: who.id, topic: short(topic), retain }, 'publish denied by the topic policy; connection closed');
      return ok;
    },
    authorizeSubscribe: (clientId, filter) => {
      const who = this.clients.get(clientId);
      if (who === undefined || !this.valid(who)) return false;
      const ok = this.policy.maySubscribe(who, filter);
      if (!ok) this.log.warn({ clientId, identity: who.id, filter: short(filter) }, 'subscription denied by the topic policy');
      return ok;
    },
    authorizeForward: (clientId, topic) => {
      const who = this.clients.get(clientId);
      return who !== undefined && this.valid(who) && this.policy.mayRead(who, topic);
    },
  };

  /**
   * Does `secret` prove `username`'s key? For the monitor's HTTP Basic check: it binds no
   * client id and registers no connection.
   */
  async checkKey(username: string, secret: Buffer): Promise<boolean> {
    const entry = this.entries.get(username);
    if (entry === undefined) return false;
    const s = secret.toString('utf8');
    const key = digest(username, s, entry.hash).toString('hex');
    if (!this.verified.has(key)) {
      if (!(await verifySecret(s, entry.hash))) return false;
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.add(key);
    }
    // The key may have been revoked while scrypt ran.
    return this.entries.get(username)?.hash === entry.hash;
  }

  private load(): void {
    const list = 'file' in this.o.keys ? readKeyFile(this.o.keys.file).keys : this.o.keys.entries;
    this.entries = new Map(list.map((k) => [k.id, k]));
    const known = 'entries' in this.o.keys ? this.o.keys.knownSecrets : undefined;
    if (known !== undefined) {
      for (const e of list) {
        const secret = known.get(e.id);
        if (secret !== undefined) this.verified.add(digest(e.id, secret, e.hash).toString('hex'));
      }
    }
  }

  /** Is the key a client proved still the identity's key? (A rotation or revocation makes it not.) */
  private valid(who: Identity & { readonly proof: string }): boolean {
    if (who.proof === PROCESS) return who.role === 'aggregator';
    const e = this.entries.get(who.id);
    return e !== undefined && e.role === who.role && e.hash === who.proof;
  }

  private async authenticate(clientId: string, username: string | undefined, password: Buffer | undefined): Promise<boolean> {
    const refuse = (why: string): boolean => {
      this.log.warn({ clientId: short(clientId), username: username === undefined ? undefined : short(username) }, `connection refused: ${why}`);
      return false;
    };
    if (username === undefined || password === undefined) return refuse('no username or password (anonymous clients are not allowed)');
    if (!isValidId(username)) return refuse('unknown identity');
    const secret = password.toString('utf8');
    const role = roleOf(username);
    if (!this.o.jobs.some((job) => clientIdFor(job, username) === clientId)) return refuse('client id not bound to this identity');
    // A device id that spells another identity's client id (e.g. job "aggregator") is refused too.
    if (role === 'device' && this.o.jobs.some((job) => clientIdFor(job, GATEWAY) === clientId)) return refuse('client id not bound to this identity');
    if (role === 'aggregator' && this.aggregatorDigest !== null && timingSafeEqual(digest(GATEWAY, secret, PROCESS), this.aggregatorDigest)) {
      this.clients.set(clientId, { id: username, role, proof: PROCESS });
      return true;
    }
    const entry = this.entries.get(username);
    if (entry === undefined) return refuse('bad username or password');
    const key = digest(username, secret, entry.hash).toString('hex');
    if (!this.verified.has(key)) {
      if (!(await verifySecret(secret, entry.hash))) return refuse('bad username or password');
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.add(key);
    }
    // The key may have been revoked while scrypt ran.
    if (this.entries.get(username)?.hash !== entry.hash) return refuse('bad username or password');
    this.clients.set(clientId, { id: username, role, proof: entry.hash });
    return true;
  }

  private disconnect(clientId: string, who: Identity, why: string): void {
    this.clients.delete(clientId);
    // aedes keeps connected clients by id (its typings do not declare the field).
    const client = (this.aedes as unknown as { clients?: Record<string, { close(): void } | undefined> } | null)?.clients?.[clientId];
    this.log.warn({ clientId, identity: who.id }, `disconnecting: ${why}`);
    client?.close();
  }
}

const PROCESS = 'process';

function digest(id: string, secret: string, salt: string): Buffer {
  return createHash('sha256').update(id).update('\0').update(secret).update('\0').update(salt).digest();
}

function short(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
