import type { ZodType } from 'zod';

/**
 * Just enough of zod 4's schema internals to find which keys a mapping accepts at a
 * path (for "unknown key" messages). Zod exposes no public walker; `_zod.def` is its
 * documented extension surface for library authors.
 */
interface Node {
  readonly _zod: { readonly def: Def };
}
interface Def {
  readonly type: string;
  readonly shape?: Readonly<Record<string, Node>>;
  readonly innerType?: Node;
  readonly in?: Node;
  readonly out?: Node;
  readonly options?: readonly Node[];
  readonly element?: Node;
  readonly discriminator?: string;
  readonly values?: readonly unknown[];
  readonly format?: string;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function unwrap(n: Node): Node {
  for (;;) {
    const d = n._zod.def;
    if (WRAPPERS.has(d.type) && d.innerType) n = d.innerType;
    else if (d.type === 'pipe' && d.in && d.out) n = d.in._zod.def.type === 'transform' ? d.out : d.in;
    else return n;
  }
}

/** Object schemas a value could be matched against (unions pick by discriminator when they can). */
function objectsFor(n: Node, data: unknown): Node[] {
  const u = unwrap(n);
  const d = u._zod.def;
  if (d.type === 'object') return [u];
  if (d.type === 'union' && d.options) {
    const objects = d.options.flatMap((o) => objectsFor(o, data));
    const disc = d.discriminator;
    if (disc && data !== null && typeof data === 'object') {
      const v = (data as Record<string, unknown>)[disc];
      const hit = objects.filter((o) => {
        const lit = o._zod.def.shape?.[disc];
        return lit !== undefined && (unwrap(lit)._zod.def.values ?? []).includes(v);
      });
      if (hit.length > 0) return hit;
    }
    // A plain union: the options that know most of the value's keys (a `{ csv, delimter }`
    // typo is judged against the CSV option alone, not every option's keys).
    if (!disc && data !== null && typeof data === 'object' && !Array.isArray(data)) {
      const keys = Object.keys(data);
      const overlap = objects.map((o) => keys.filter((k) => o._zod.def.shape?.[k] !== undefined).length);
      const best = Math.max(0, ...overlap);
      if (best > 0) return objects.filter((_, i) => overlap[i] === best);
    }
    return objects;
  }
  return [];
}

/** Schemas that could apply at `path` of `data` (several when a union cannot tell). */
function nodesAt(schema: ZodType, path: readonly PropertyKey[], data: unknown): { nodes: Node[]; value: unknown } {
  let nodes: Node[] = [schema as unknown as Node];
  let value = data;
  for (const seg of path) {
    const next: Node[] = [];
    for (const n of nodes) {
      const u = unwrap(n);
      if (u._zod.def.type === 'array' && u._zod.def.element) { next.push(u._zod.def.element); continue; }
      for (const o of objectsFor(u, value)) {
        const child = o._zod.def.shape?.[String(seg)];
        if (child) next.push(child);
      }
    }
    nodes = next;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return { nodes, value };
}

/** Keys accepted by the mapping at `path` in `data`, or undefined when the schema does not say. */
export function knownKeys(schema: ZodType, path: readonly PropertyKey[], data: unknown): string[] | undefined {
  const { nodes, value } = nodesAt(schema, path, data);
  const keys = new Set<string>();
  for (const n of nodes) for (const o of objectsFor(n, value)) for (const k of Object.keys(o._zod.def.shape ?? {})) keys.add(k);
  return keys.size > 0 ? [...keys] : undefined;
}

/** True when the number schema at `path` only takes integers (so messages say "integer"). */
export function isIntegerAt(schema: ZodType, path: readonly PropertyKey[], data: unknown): boolean {
  const { nodes } = nodesAt(schema, path, data);
  return nodes.length > 0 && nodes.every((n) => /int/.test(String(unwrap(n)._zod.def.format ?? '')));
}

/** The `.describe()` text of the schema at `path`, if it has one. */
export function descriptionAt(schema: ZodType, path: readonly PropertyKey[], data: unknown): string | undefined {
  const { nodes } = nodesAt(schema, path, data);
  for (const n of nodes) {
    let m: Node | undefined = n;
    while (m) {
      const d = (m as unknown as { description?: string }).description;
      if (d) return d;
      const def: Def = m._zod.def;
      m = WRAPPERS.has(def.type) ? def.innerType : undefined;
    }
  }
  return undefined;
}
