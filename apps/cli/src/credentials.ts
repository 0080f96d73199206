import { readFileSync, statSync } from 'node:fs';
import type { Log } from '@edgefl/core';
// The key-file entry: the package root would load the broker into every agent.
import { SecurityError } from '@edgefl/gateway/keys';
import type { ClientTls } from '@edgefl/transport';

/**
 * A secret from a file or an environment variable named in the config — never from the
 * command line, where `ps` and shell history would show it. Surrounding whitespace
 * (a trailing newline) is dropped.
 */
export function readSecret(src: { secretFile?: string | undefined; secretEnv?: string | undefined }, what: string, log: Log): string {
  if (src.secretFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(src.secretFile, 'utf8');
    } catch (e) {
      throw new SecurityError(`cannot read ${what}'s secret file ${src.secretFile}: ${(e as Error).message}`,
        'write the secret `edgefl keys add` printed into that file (chmod 600), or set auth.secretEnv instead', { cause: e });
    }
    try {
      if ((statSync(src.secretFile).mode & 0o077) !== 0) log.warn({ file: src.secretFile }, 'secret file is readable by other users; chmod 600 it');
    } catch {
      // unreadable mode: the read above succeeded, nothing to warn about
    }
    const secret = text.trim();
    if (secret === '') throw new SecurityError(`${what}'s secret file ${src.secretFile} is empty`, 'put the secret `edgefl keys add` printed in it');
    return secret;
  }
  if (src.secretEnv !== undefined) {
    const secret = process.env[src.secretEnv]?.trim();
    if (secret === undefined || secret === '') {
      throw new SecurityError(`environment variable ${src.secretEnv} (auth.secretEnv) is not set`, `export ${src.secretEnv}=<the secret edgefl keys add printed> before starting`);
    }
    return secret;
  }
  throw new SecurityError(`no secret configured for ${what}`, 'set auth.secretFile (or auth.secretEnv) in the config');
}

/** Reads the PEM files a client TLS config names. */
export function readClientTls(t: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined } | undefined): ClientTls | undefined {
  if (t === undefined) return undefined;
  const read = (path: string, field: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new SecurityError(`cannot read tls.${field} ${path}: ${(e as Error).message}`, 'check the path (PEM file; a lab CA is made by scripts/make-lab-certs.sh)', { cause: e });
    }
  };
  return {
    ...(t.ca !== undefined ? { ca: read(t.ca, 'ca') } : {}),
    ...(t.cert !== undefined ? { cert: read(t.cert, 'cert') } : {}),
    ...(t.key !== undefined ? { key: read(t.key, 'key') } : {}),
  };
}
