import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SecurityError, addKey, exportMosquitto, hashSecret, mosquittoHash, readKeyFile, revokeKey, rotateKey, verifySecret,
} from '@edgefl/gateway';
import { runCliSync } from '../../helpers/cli-run.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'edgefl-keys-'));

test('scrypt hashes verify the secret they were made from and nothing else', async () => {
  const h = await hashSecret('correct horse');
  assert.match(h, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.equal(await verifySecret('correct horse', h), true);
  assert.equal(await verifySecret('correct horsE', h), false);
  assert.notEqual(await hashSecret('correct horse'), h, 'salted');
  assert.equal(await verifySecret('x', '$scrypt$ln=99,r=8,p=1$AA==$AA=='), false, 'a malformed hash denies');
});

test('Mosquitto hashes are what mosquitto_passwd writes for the same salt and iterations', async () => {
  // mosquitto_passwd -b wrote this for dev-01 / s3cret (salt 5bakuMErRb5+Jmis, 101 iterations).
  const want = '$7$101$5bakuMErRb5+Jmis$t2j7Cu+Js66oS4ig3ZYOu3kaJpgkTq9W36JFKDvlb2h7H5s3Rjtk36xWhQNu3APOyNxeIgQb76zbJ8X9An+vqg==';
  assert.equal(await mosquittoHash('s3cret', 101, Buffer.from('5bakuMErRb5+Jmis', 'base64')), want);
});

test('keys add/rotate/revoke keep a 0600 JSON file of hashes, written atomically', async () => {
  const dir = tmp();
  const file = join(dir, 'keys.json');
  try {
    const s1 = await addKey(file, 'dev-01');
    assert.match(s1, /^[A-Za-z0-9_-]{43}$/);
    const s2 = await addKey(file, 'gateway', { mosquitto: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(s1) && !text.includes(s2), 'no secret in the file');
    const f = readKeyFile(file);
    assert.deepEqual(f.keys.map((k) => [k.id, k.role, k.mosquitto !== undefined]), [['dev-01', 'device', false], ['gateway', 'aggregator', true]]);
    assert.equal(await verifySecret(s1, f.keys[0]!.hash), true);
    await assert.rejects(addKey(file, 'dev-01'), (e: unknown) => e instanceof SecurityError && /rotate/.test(e.describe()));
    await assert.rejects(addKey(file, 'dev/01'), SecurityError);

    const s1b = await rotateKey(file, 'dev-01');
    assert.notEqual(s1b, s1);
    const f2 = readKeyFile(file);
    assert.equal(await verifySecret(s1, f2.keys[0]!.hash), false);
    assert.equal(await verifySecret(s1b, f2.keys[0]!.hash), true);
    assert.ok(f2.keys[0]!.rotated);

    revokeKey(file, 'dev-01');
    const f3 = readKeyFile(file);
    assert.deepEqual(f3.keys.map((k) => k.id), ['gateway']);
    assert.deepEqual(f3.revoked.map((r) => r.id), ['dev-01']);
    assert.throws(() => revokeKey(file, 'dev-01'), SecurityError);
    assert.deepEqual(readdirSync(dir), ['keys.json'], 'no temp file left behind');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or foreign key file is a SecurityError that names the fix', () => {
  const dir = tmp();
  try {
    assert.throws(() => readKeyFile(join(dir, 'nope.json')), (e: unknown) => e instanceof SecurityError && /edgefl keys add/.test(e.describe()));
    writeFileSync(join(dir, 'bad.json'), '{"format":"edgefl-keys/1","keys":[{"id":"a","hash":"plain"}]}');
    assert.throws(() => readKeyFile(join(dir, 'bad.json')), /no scrypt hash/);
    writeFileSync(join(dir, 'garbage.json'), 'not json');
    assert.throws(() => readKeyFile(join(dir, 'garbage.json')), SecurityError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export --mosquitto refuses keys without a Mosquitto hash and writes passwd/acl/conf otherwise', async () => {
  const dir = tmp();
  const file = join(dir, 'keys.json');
  try {
    await addKey(file, 'dev-01');
    assert.throws(() => exportMosquitto(readKeyFile(file), join(dir, 'm')), (e: unknown) => e instanceof SecurityError && /--mosquitto/.test(e.describe()));
    await rotateKey(file, 'dev-01', { mosquitto: true });
    await addKey(file, 'gateway', { mosquitto: true });
    const out = exportMosquitto(readKeyFile(file), join(dir, 'm'), { job: 'quickstart' });
    const passwd = readFileSync(out.passwordFile, 'utf8');
    assert.match(passwd, /^dev-01:\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}\ngateway:\$7\$/);
    assert.equal(statSync(out.passwordFile).mode & 0o777, 0o600);
    const acl = readFileSync(out.aclFile, 'utf8');
    assert.match(acl, /^user gateway$/m);
    assert.match(acl, /^topic readwrite edgefl\/v1\/quickstart\/ctl$/m);
    assert.match(acl, /^pattern write edgefl\/v1\/quickstart\/up\/%u$/m);
    assert.match(acl, /^pattern read edgefl\/v1\/quickstart\/link\/\+\/%u$/m);
    assert.ok(!acl.split('\n').some((l) => /^(topic|pattern) .*#/.test(l)), 'no rule grants a # wildcard');
    assert.match(readFileSync(out.confFile, 'utf8'), /use_username_as_clientid true/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('edgefl keys add prints the secret alone on stdout; list shows ids, never secrets', () => {
  const dir = tmp();
  const file = join(dir, 'keys.json');
  try {
    const add = runCliSync(['keys', 'add', 'dev-07', '--keys', file]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /^[A-Za-z0-9_-]{43}\n$/);
    const list = runCliSync(['keys', 'list', '--keys', file]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^dev-07\tdevice\tcreated /);
    assert.ok(!list.stdout.includes(add.stdout.trim()));
    const again = runCliSync(['keys', 'add', 'dev-07', '--keys', file]);
    assert.equal(again.status, 2);
    assert.equal(again.stdout, '', 'no secret printed on failure');
    assert.match(again.stderr, /keys rotate dev-07/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
