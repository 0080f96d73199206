import { Command, InvalidArgumentError, Option } from 'commander';

const SORTS = ['device', 'status', 'lastSeen', 'upRate', 'downRate', 'upBytes', 'downBytes', 'use', 'over'] as const;

/** The environment variable `edgefl top` reads the monitor password from. */
export const PASSWORD_ENV = 'EDGEFL_PASSWORD';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100) throw new InvalidArgumentError('a whole number of milliseconds ≥ 100');
  return n;
}

interface TopFlags {
  gateway: string; interval: number; sort: (typeof SORTS)[number]; desc?: boolean; plain?: boolean; once?: boolean;
  user?: string; password?: string; passwordFile?: string;
}

export function topCommand(): Command {
  return new Command('top')
    .description('live per-device bandwidth of a gateway, like top: rates, totals, budget use, status')
    .option('--gateway <url>', 'the gateway\'s monitor address (its `monitor:` host and port)', 'http://127.0.0.1:9464')
    .option('--interval <ms>', 'refresh period', positiveInt, 1000)
    .addOption(new Option('--sort <key>', 'initial sort column').choices(SORTS).default('device'))
    .option('--desc', 'largest first')
    .option('--plain', 'plain text, one table per refresh (the default when stdout is not a terminal)')
    .option('--once', 'print one table and exit')
    .option('--user <name>', 'monitor username (HTTP Basic); the password comes from $EDGEFL_PASSWORD or --password-file')
    .option('--password-file <path>', 'file holding the monitor password (chmod 600)')
    .option('--password <secret>', 'monitor password (discouraged: `ps` and shell history show it; use $EDGEFL_PASSWORD or --password-file)')
    .action(async (o: TopFlags) => {
      // Loaded here so `edgefl --help` stays fast.
      const { runTop, topPassword } = await import('../top/run.js');
      const password = topPassword(o, process.env[PASSWORD_ENV], (msg) => process.stderr.write(`edgefl: warning: ${msg}\n`));
      await runTop({
        gateway: o.gateway, intervalMs: o.interval, sort: o.sort, desc: o.desc === true, plain: o.plain === true, once: o.once === true,
        ...(o.user !== undefined ? { username: o.user } : {}), ...(password !== undefined ? { password } : {}),
      });
    });
}
