import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, sup: string): boolean; minVersion(range: string): { version: string } | null };
const read = (p: string): unknown => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));

interface LockEntry { readonly dev?: boolean; readonly engines?: { readonly node?: string } | readonly string[] }

test('every Node.js version the engines range admits is one every production dependency accepts (npm ci warns EBADENGINE otherwise)', () => {
  const pkg = read('package.json') as { engines: { node: string } };
  const lock = read('package-lock.json') as { packages: Record<string, LockEntry> };
  const range = pkg.engines.node;
  assert.equal((lock.packages['']!.engines as { node: string }).node, range, 'the lock records the same engines range (npm install updates it)');
  const refusing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const wants = Array.isArray(entry.engines) ? undefined : (entry.engines as { node?: string } | undefined)?.node;
    if (path === '' || entry.dev === true || wants === undefined) continue;
    if (!semver.subset(range, wants)) refusing.push(`${path.replace(/^.*node_modules\//, '')} needs ${wants}`);
  }
  assert.deepEqual(refusing, [], `engines.node "${range}" admits Node versions these dependencies refuse`);
});

test('the README and docs/development.md state the engines floor', () => {
  const floor = semver.minVersion((read('package.json') as { engines: { node: string } }).engines.node)!.version.replace(/\.0$/, '');
  for (const doc of ['README.md', 'docs/development.md']) {
    assert.match(readFileSync(new URL(`../../../${doc}`, import.meta.url), 'utf8'), new RegExp(`Node\\.js ≥ ${floor.replace(/\./g, '\\.')}\\b`), doc);
  }
});
