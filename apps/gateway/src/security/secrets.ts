import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Secret hashing. edgefl verifies with scrypt (memory-hard: a stolen key file costs an
 * attacker 32 MiB per guess); the parameters travel in the hash so they can be raised
 * later without invalidating old entries. Mosquitto verifies its own format
 * (PBKDF2-SHA512, `$7$iterations$salt$hash`, as mosquitto_passwd writes it), which is
 * stored only for keys made with `--mosquitto`.
 */
const SCRYPT = { ln: 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

/** A new device secret: 32 random bytes, base64url (43 characters, no padding). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`. `ln` (log2 of scrypt's N, 10…20) may be
 * lowered only for hashes that never leave the process (`provisionFleet`), where memory
 * hardness buys nothing.
 */
export async function hashSecret(secret: string, ln: number = SCRYPT.ln): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, 2 ** ln, SCRYPT.r, SCRYPT.p);
  return `$scrypt$ln=${ln},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const SCRYPT_RE = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function isScryptHash(h: string): boolean {
  const m = SCRYPT_RE.exec(h);
  return m !== null && Number(m[1]) >= 10 && Number(m[1]) <= 20 && Number(m[2]) >= 1 && Number(m[3]) >= 1;
}

/** Constant-time check of `secret` against a `hashSecret` string; false for a malformed hash. */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const m = SCRYPT_RE.exec(hash);
  if (m === null || !isScryptHash(hash)) return false;
  const want = Buffer.from(m[5]!, 'base64');
  if (want.length !== KEY_BYTES) return false;
  const got = await scryptAsync(secret, Buffer.from(m[4]!, 'base64'), 2 ** Number(m[1]), Number(m[2]), Number(m[3]));
  return timingSafeEqual(got, want);
}

/**
 * Iterations for Mosquitto hashes: mosquitto_passwd's default. Secrets are 256 random bits,
 * so no iteration count changes what a stolen file is worth, while Mosquitto runs PBKDF2 on
 * its single thread for every CONNECT — a high count would hand a connection flood a lever.
 */
export const MOSQUITTO_ITERATIONS = 101;

/** Mosquitto 2's password-file hash (`$7$`): PBKDF2-SHA512 over a 12-byte salt, 64-byte key. */
export function mosquittoHash(secret: string, iterations = MOSQUITTO_ITERATIONS, salt: Buffer = randomBytes(12)): Promise<string> {
  return new Promise((resolve, reject) => {
    pbkdf2(secret, salt, iterations, 64, 'sha512', (err, key) =>
      err ? reject(err) : resolve(`$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`));
  });
}
