import { Command } from 'commander';
// Loaded when a subcommand runs, not at the top; the key-file entry, not the package root (which loads the broker).
const security = (): Promise<typeof import('@edgefl/gateway/keys')> => import('@edgefl/gateway/keys');

/**
 * `edgefl keys`: per-device credentials in the gateway's key file. `add` and `rotate`
 * print the new secret alone on stdout, once (scripts capture it); everything else
 * goes to stderr.
 */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage per-device credentials (the gateway\'s auth.keys file)');
  const fileOpt = ['--keys <file>', 'key file (JSON, mode 0600; created by the first add)'] as const;
  keys.addCommand(new Command('add')
    .description('add a device (or `gateway`, the aggregator) and print its new secret once on stdout')
    .argument('<device>', 'device id, as in the agent\'s `device:`')
    .requiredOption(...fileOpt)
    .option('--mosquitto', 'also store a Mosquitto hash of the secret, for `edgefl keys export --mosquitto`')
    .action(async (device: string, o: { keys: string; mosquitto?: boolean }) => {
      const { addKey } = await security();
      const secret = await addKey(o.keys, device, { mosquitto: o.mosquitto === true });
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`edgefl: added ${device} to ${o.keys}; give the secret above to its agent (auth.secretFile), it is not shown again\n`);
    }).exitOverride().showHelpAfterError());
  keys.addCommand(new Command('list')
    .description('list the identities in the key file (never secrets)')
    .requiredOption(...fileOpt)
    .action(async (o: { keys: string }) => {
      const { isExposed, readKeyFile } = await security();
      const f = readKeyFile(o.keys);
      for (const k of f.keys) {
        process.stdout.write(`${k.id}\t${k.role}\tcreated ${k.created}${k.rotated ? `\trotated ${k.rotated}` : ''}${k.mosquitto ? '\tmosquitto' : ''}\n`);
      }
      for (const r of f.revoked) process.stdout.write(`${r.id}\trevoked\t${r.at}\n`);
      if (isExposed(o.keys)) process.stderr.write(`edgefl: warning: ${o.keys} is readable by other users; chmod 600 it\n`);
    }).exitOverride().showHelpAfterError());
  keys.addCommand(new Command('revoke')
    .description('remove a device\'s key; a running gateway disconnects it within a second')
    .argument('<device>')
    .requiredOption(...fileOpt)
    .action(async (device: string, o: { keys: string }) => {
      const { revokeKey } = await security();
      revokeKey(o.keys, device);
      process.stderr.write(`edgefl: revoked ${device} in ${o.keys}\n`);
    }).exitOverride().showHelpAfterError());
  keys.addCommand(new Command('rotate')
    .description('replace a device\'s secret (printed once on stdout); the old one stops working, live connections are dropped')
    .argument('<device>')
    .requiredOption(...fileOpt)
    .option('--mosquitto', 'also store a Mosquitto hash of the new secret')
    .action(async (device: string, o: { keys: string; mosquitto?: boolean }) => {
      const { rotateKey } = await security();
      const secret = await rotateKey(o.keys, device, o.mosquitto === true ? { mosquitto: true } : {});
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`edgefl: rotated ${device} in ${o.keys}; give the new secret to its agent\n`);
    }).exitOverride().showHelpAfterError());
  keys.addCommand(new Command('export')
    .description('write the credentials and topic ACL for another broker')
    .requiredOption(...fileOpt)
    .requiredOption('--mosquitto <dir>', 'write passwd, acl and edgefl.conf for Mosquitto into this directory')
    .option('--job <name>', 'limit the ACL to one job (default: any job)')
    .action(async (o: { keys: string; mosquitto: string; job?: string }) => {
      const { exportMosquitto, readKeyFile } = await security();
      const out = exportMosquitto(readKeyFile(o.keys), o.mosquitto, o.job !== undefined ? { job: o.job } : {});
      process.stderr.write(`edgefl: wrote ${out.passwordFile}, ${out.aclFile} and ${out.confFile} (${out.identities.length} identities); include edgefl.conf from mosquitto.conf\n`);
    }).exitOverride().showHelpAfterError());
  return keys;
}
