import { TransportError } from './errors.js';

/**
 * The topic scheme (docs/transport.md, "Topics"), one builder per kind and one parser:
 *
 *   edgefl/v1/{job}/ctl                 gateway → all
 *   edgefl/v1/{job}/up/{device}         device → aggregator
 *   edgefl/v1/{job}/down[/{device}]     aggregator → all / one
 *   edgefl/v1/{job}/link/{from}/{to}    peer → peer
 *   edgefl/v1/{job}/peer/{from}         peer → its neighbours (one publish, each neighbour subscribes)
 *   edgefl/v1/{job}/status/{device}     online/offline (retained, last will)
 *   edgefl/v1/{job}/telemetry/{device}  device's own counters
 *
 * Ids are validated so that no id can smuggle a level separator or a wildcard into a
 * topic (a device named `+` would otherwise read everybody's traffic).
 */
export const TOPIC_ROOT = 'edgefl/v1';

/** Name used for the aggregator end of `up`/`down`/`ctl` links in ledgers and run records. */
export const GATEWAY = 'gateway';

/** Stands for "every device" as the receiving end of a broadcast (`down`, `ctl`). */
export const BROADCAST = '*';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export type IdKind = 'job' | 'device';

export function isValidId(id: string): boolean {
  return ID_RE.test(id);
}

/** Throws TransportError unless `id` is 1–64 characters of `A–Z a–z 0–9 _ -`. */
export function assertId(id: string, what: IdKind | string = 'id'): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id) : String(id);
    throw new TransportError(
      `invalid ${what} ${shown}: ids must be 1–64 characters of A–Z, a–z, 0–9, '_' or '-'`,
      `rename the ${what} (no '/', '+', '#', spaces or other characters; at most 64 long)`,
    );
  }
  return id;
}

export type ParsedTopic =
  | { readonly kind: 'ctl'; readonly job: string }
  | { readonly kind: 'up'; readonly job: string; readonly device: string }
  | { readonly kind: 'down'; readonly job: string; readonly device: string | null }
  | { readonly kind: 'link'; readonly job: string; readonly from: string; readonly to: string }
  | { readonly kind: 'peer'; readonly job: string; readonly from: string }
  | { readonly kind: 'status'; readonly job: string; readonly device: string }
  | { readonly kind: 'telemetry'; readonly job: string; readonly device: string };

export type TopicKind = ParsedTopic['kind'];

export const topics = {
  ctl: (job: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/ctl`,
  up: (job: string, device: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/up/${assertId(device, 'device')}`,
  /** Without `device`: the broadcast topic every device reads. */
  down: (job: string, device?: string): string =>
    device === undefined
      ? `${TOPIC_ROOT}/${assertId(job, 'job')}/down`
      : `${TOPIC_ROOT}/${assertId(job, 'job')}/down/${assertId(device, 'device')}`,
  link: (job: string, from: string, to: string): string =>
    `${TOPIC_ROOT}/${assertId(job, 'job')}/link/${assertId(from, 'device')}/${assertId(to, 'device')}`,
  /** A sender's per-sender peer topic: one publish that every neighbour subscribed to receives. */
  peer: (job: string, from: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/peer/${assertId(from, 'device')}`,
  status: (job: string, device: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/status/${assertId(device, 'device')}`,
  telemetry: (job: string, device: string): string =>
    `${TOPIC_ROOT}/${assertId(job, 'job')}/telemetry/${assertId(device, 'device')}`,
} as const;

/** Subscription filters (MQTT wildcards) for the usual readers. */
export const filters = {
  /** The aggregator: every device's `up`. */
  allUp: (job: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/up/+`,
  /** Every device's status. */
  allStatus: (job: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/status/+`,
  allTelemetry: (job: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/telemetry/+`,
  /** A peer: everything addressed to it by its neighbours. */
  linksTo: (job: string, device: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/link/+/${assertId(device, 'device')}`,
  /** Every peer's messages, on its own topic and on its links (the gateway observing a serverless job). */
  allPeers: (job: string): string[] => [`${TOPIC_ROOT}/${assertId(job, 'job')}/peer/+`, `${TOPIC_ROOT}/${assertId(job, 'job')}/link/+/+`],
  /** What a device reads from the aggregator: the broadcast, its own down topic and ctl. */
  deviceInbox: (job: string, device: string): string[] => [topics.ctl(job), topics.down(job), topics.down(job, device)],
  /** Everything of one job (monitors, tests). */
  job: (job: string): string => `${TOPIC_ROOT}/${assertId(job, 'job')}/#`,
} as const;

/**
 * Parses a concrete topic of the scheme. Returns null for topics outside `edgefl/v1/`
 * (other tenants of a shared broker); throws TransportError for topics inside it that
 * break the scheme, since those come from a misconfigured or hostile peer.
 */
export function parseTopic(topic: string): ParsedTopic | null {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return null;
  const parts = topic.slice(TOPIC_ROOT.length + 1).split('/');
  const bad = (why: string): TransportError =>
    new TransportError(
      `topic ${JSON.stringify(topic.length > 200 ? `${topic.slice(0, 200)}…` : topic)} is not in the edgefl/v1 scheme: ${why}`,
      'publish only on topics built by @edgefl/transport `topics.*` (see docs/transport.md)',
    );
  const job = parts[0] ?? '';
  if (!isValidId(job)) throw bad('bad job id');
  const kind = parts[1];
  const id = (i: number): string => {
    const v = parts[i];
    if (v === undefined || !isValidId(v)) throw bad(`bad id at level ${i + 3}`);
    return v;
  };
  const arity = (n: number): void => {
    if (parts.length !== n) throw bad(`expected ${n + 2} levels for '${kind}', got ${parts.length + 2}`);
  };
  switch (kind) {
    case 'ctl':
      arity(2);
      return { kind, job };
    case 'up':
      arity(3);
      return { kind, job, device: id(2) };
    case 'down':
      if (parts.length === 2) return { kind, job, device: null };
      arity(3);
      return { kind, job, device: id(2) };
    case 'link':
      arity(4);
      return { kind, job, from: id(2), to: id(3) };
    case 'peer':
      arity(3);
      return { kind, job, from: id(2) };
    case 'status':
      arity(3);
      return { kind, job, device: id(2) };
    case 'telemetry':
      arity(3);
      return { kind, job, device: id(2) };
    default:
      throw bad(`unknown kind ${JSON.stringify(kind ?? '')}`);
  }
}

/** Builds the topic a ParsedTopic came from (inverse of parseTopic). */
export function formatTopic(t: ParsedTopic): string {
  switch (t.kind) {
    case 'ctl':
      return topics.ctl(t.job);
    case 'up':
      return topics.up(t.job, t.device);
    case 'down':
      return t.device === null ? topics.down(t.job) : topics.down(t.job, t.device);
    case 'link':
      return topics.link(t.job, t.from, t.to);
    case 'peer':
      return topics.peer(t.job, t.from);
    case 'status':
      return topics.status(t.job, t.device);
    case 'telemetry':
      return topics.telemetry(t.job, t.device);
  }
}

/** A directed link (from → to) as ledgers and run records name it. */
export interface LinkId {
  readonly from: string;
  readonly to: string;
}

/**
 * The link a message on `t` travels: `up`, `status` and `telemetry` go device → gateway,
 * `down` gateway → device (or → `*` when broadcast), `ctl` gateway → `*`, `link` from → to.
 */
export function linkOfTopic(t: ParsedTopic): LinkId {
  switch (t.kind) {
    case 'ctl':
      return { from: GATEWAY, to: BROADCAST };
    case 'up':
    case 'status':
    case 'telemetry':
      return { from: t.device, to: GATEWAY };
    case 'down':
      return { from: GATEWAY, to: t.device ?? BROADCAST };
    case 'link':
      return { from: t.from, to: t.to };
    case 'peer':
      return { from: t.from, to: BROADCAST };
  }
}

/**
 * MQTT filter matching (`+` one level, `#` the rest, including the parent level), as in
 * MQTT 3.1.1 §4.7. Topics starting with `$` only match filters starting with `$`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  return filterMatcher(filter)(topic);
}

/**
 * `filter` compiled once (`topicMatches` for one filter), for whoever matches many topics
 * against it (a client's subscriptions, the gateway's topic policy): the filter is split
 * here and a topic is walked in place, level by level, without splitting it or allocating.
 */
export function filterMatcher(filter: string): (topic: string) => boolean {
  const dollar = filter.startsWith('$');
  if (!filter.includes('+') && !filter.includes('#')) return (topic) => topic === filter;
  const levels = filter.split('/');
  return (topic) => {
    if (topic.startsWith('$') !== dollar) return false;
    let pos = 0;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level === '#') return i === levels.length - 1;
      // past the topic's last level
      if (pos > topic.length) return false;
      const slash = topic.indexOf('/', pos);
      const end = slash === -1 ? topic.length : slash;
      if (level !== '+' && (end - pos !== level.length || !topic.startsWith(level, pos))) return false;
      pos = end + 1;
    }
    return pos > topic.length;
  };
}
