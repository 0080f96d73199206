import { GATEWAY, TOPIC_ROOT, filterMatcher, isValidId } from '@edgefl/transport';
import type { Role } from './keystore.js';

/**
 * Who may publish and read what: one table over the topic scheme
 *
 *   edgefl/v1/{job}/ctl | up/{d} | down | down/{d} | link/{from}/{to} | peer/{from} | status/{d} | telemetry/{d}
 *
 * A device publishes only as itself (up, link/{self}/…, peer/{self}, status, telemetry)
 * and retains only its own status; it reads only ctl, down, down/{self}, link/+/{self}
 * and the peer topics of its neighbours. Only the aggregator publishes ctl and down,
 * and only it retains on ctl. Everything else (other roots, `$SYS`, other jobs) is denied.
 * The same table is exported as a Mosquitto ACL (mosquitto.ts).
 */
export interface Identity {
  readonly id: string;
  readonly role: Role;
}

/** A device's neighbours in the job's topology (whose peer topics it may read); `any` = every device. */
export type Neighbours = (device: string) => ReadonlySet<string> | 'any';

export const noNeighbours: Neighbours = () => new Set<string>();

export interface Rule {
  /** topic pattern; `{self}` is the identity's id, `+` one level */
  readonly pattern: string;
  readonly publish: boolean;
  readonly retain: boolean;
  readonly read: boolean;
}

const r = (pattern: string, publish: boolean, retain: boolean, read: boolean): Rule => ({ pattern, publish, retain, read });

/** Per role: what each may do, `{job}` and `{self}` substituted per client. */
export const RULES: Readonly<Record<Role, readonly Rule[]>> = {
  aggregator: [
    r('ctl', true, true, true),
    r('down', true, false, false),
    r('down/+', true, false, false),
    r('up/+', false, false, true),
    r('status/+', false, false, true),
    r('status/{self}', true, true, true),
    r('telemetry/+', false, false, true),
    r('telemetry/{self}', true, false, true),
    // In a serverless job the gateway observes the peers' messages to keep the round clock.
    r('peer/+', false, false, true),
    r('link/+/+', false, false, true),
  ],
  device: [
    r('ctl', false, false, true),
    r('down', false, false, true),
    r('down/{self}', false, false, true),
    r('up/{self}', true, false, false),
    r('link/{self}/+', true, false, false),
    r('link/+/{self}', false, false, true),
    r('peer/{self}', true, false, false),
    // peer/{n} for neighbours n: added per device by `rulesFor`
    r('status/{self}', true, true, false),
    r('telemetry/{self}', true, false, false),
  ],
};

export interface PolicyOptions {
  /** the job(s) this gateway serves; `any` lets identities act in every job (a shared broker) */
  readonly jobs: ReadonlySet<string> | 'any';
  readonly neighbours?: Neighbours;
}

/** The concrete rules of one identity (patterns start at the topic root). */
export function rulesFor(who: Identity, o: PolicyOptions): Rule[] {
  const jobs = o.jobs === 'any' ? ['+'] : [...o.jobs];
  const out: Rule[] = [];
  const tail = RULES[who.role].map((x) => ({ ...x, pattern: x.pattern.replaceAll('{self}', who.id) }));
  if (who.role === 'device') {
    const n = (o.neighbours ?? noNeighbours)(who.id);
    if (n === 'any') tail.push(r('peer/+', false, false, true));
    else for (const id of n) if (isValidId(id) && id !== who.id) tail.push(r(`peer/${id}`, false, false, true));
  }
  for (const job of jobs) for (const t of tail) out.push({ ...t, pattern: `${TOPIC_ROOT}/${job}/${t.pattern}` });
  return out;
}

/** Is every level a plain id (no wildcard, no empty level)? A published topic must be. */
function concrete(topic: string): boolean {
  return topic.length > 0 && !topic.includes('+') && !topic.includes('#') && !topic.includes('\0');
}

/** A rule with its pattern compiled: the policy asks about every message a client sends or receives. */
interface CompiledRule extends Rule {
  readonly matches: (topic: string) => boolean;
}

export class TopicPolicy {
  private readonly cache = new Map<string, CompiledRule[]>();

  constructor(private readonly o: PolicyOptions) {}

  rules(who: Identity): CompiledRule[] {
    let rs = this.cache.get(who.id);
    if (rs === undefined) {
      rs = rulesFor(who, this.o).map((x) => ({ ...x, matches: filterMatcher(x.pattern) }));
      this.cache.set(who.id, rs);
    }
    return rs;
  }

  /** Forget cached rules (the neighbour sets changed). */
  reset(): void {
    this.cache.clear();
  }

  /** May `who` publish on `topic`, retained or not? */
  mayPublish(who: Identity, topic: string, retain: boolean): boolean {
    if (!concrete(topic)) return false;
    return this.rules(who).some((x) => x.publish && (!retain || x.retain) && x.matches(topic));
  }

  /** May `who` receive a message on the concrete `topic`? */
  mayRead(who: Identity, topic: string): boolean {
    return this.rules(who).some((x) => x.read && x.matches(topic));
  }

  /** May `who` subscribe to `filter`? Only if every topic the filter can match is readable. */
  maySubscribe(who: Identity, filter: string): boolean {
    if (filter.length === 0 || filter.startsWith('$share/')) return false;
    return this.rules(who).some((x) => x.read && filterWithin(filter, x.pattern));
  }
}

/**
 * Does `pattern` match every topic that `filter` matches? (`+` in the pattern covers a
 * literal or `+` level; `#` in the filter is covered only by `#` in the pattern.)
 */
export function filterWithin(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < f.length; i++) {
    const pl = p[i];
    const fl = f[i]!;
    if (pl === undefined) return false;
    if (pl === '#') return true;
    if (fl === '#') return false;
    if (pl === '+') continue;
    if (fl === '+' || fl !== pl) return false;
  }
  return f.length === p.length;
}

/** The aggregator's identity. */
export const AGGREGATOR: Identity = { id: GATEWAY, role: 'aggregator' };
