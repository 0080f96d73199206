import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import type { GatewayConfig } from '@edgefl/config';
import type { Log } from '@edgefl/core';
import { collect, SET_HELP } from '../options.js';
import { untilSignal } from '../signals.js';

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run an MQTT broker with the job\'s aggregator next to it; agents connect to it')
    .option('--config <file>', 'gateway file (see configs/gateway.yaml)', 'configs/gateway.yaml')
    .option('--set <key=value>', SET_HELP.gateway, collect, [])
    .option('--broker <url>', 'run only the aggregator, against this external broker (mqtts://…); no embedded broker')
    .option('--json <file>', 'write the run record (format edgefl-run/1) to this file when the job ends or is stopped')
    .option('--quiet', 'no summary at the end')
    .action(async (opts: { config: string; set: string[]; broker?: string; json?: string; quiet?: boolean }) => {
      // Loaded here, not at the top: `edgefl --help` and the other commands must not pay for them.
      const [{ loadGatewayConfig }, { createLogger }, { SecurityError, isExposed, startGateway, startSecureBroker }] = await Promise.all([
        import('@edgefl/config'), import('@edgefl/telemetry'), import('@edgefl/gateway'),
      ]);
      const sets = opts.broker !== undefined ? [...opts.set, `broker.url=${opts.broker}`] : opts.set;
      const cfg = loadGatewayConfig(opts.config, sets);
      const log = createLogger({ level: cfg.log.level, name: 'gateway' });
      if (cfg.broker !== undefined) return runAgainstBroker(cfg, cfg.broker, log);
      if (cfg.auth === undefined) {
        throw new SecurityError(`${opts.config} has no auth section: the gateway refuses to run without per-device keys`,
          'create keys with `edgefl keys add <device> --keys keys.json` (once per device) and set `auth: { keys: keys.json }`; ' +
          'or, on an isolated test network only, `auth: none`');
      }
      if (cfg.auth !== 'none') {
        if (isExposed(cfg.auth.keys)) log.warn({ file: cfg.auth.keys }, 'key file is readable by other users; chmod 600 it');
      }
      const common = {
        listen: cfg.listen, auth: cfg.auth === 'none' ? ('none' as const) : { keys: { file: cfg.auth.keys } }, limits: cfg.limits,
        experiment: cfg.experiment, log, ...(cfg.cluster ? { cluster: { redis: cfg.cluster.redis } } : {}),
        ...(cfg.persistence ? { persistence: { redis: cfg.persistence.redis } } : {}),
      };
      if (cfg.cluster?.aggregator === false) {
        // A further gateway of a cluster: broker and security only; the aggregator runs on another one.
        const member = await startSecureBroker(common);
        log.info({ url: member.url, tls: member.tls?.url, wss: member.wss?.url, job: cfg.experiment.job }, 'cluster gateway up (no aggregator here)');
        try {
          await untilSignal(new Promise<never>(() => undefined), log);
        } finally {
          await member.close();
        }
        return;
      }
      const gw = await startGateway({ ...common, devices: cfg.devices, ...(cfg.monitor ? { monitor: cfg.monitor } : {}), ...(cfg.state ? { stateDir: cfg.state.dir } : {}) });
      log.info({ url: gw.url, tls: gw.tls?.url, wss: gw.wss?.url, job: cfg.experiment.job, devices: cfg.devices, monitor: gw.monitor.server?.url }, 'gateway up; start agents with `edgefl agent`');
      let stopped = false;
      try {
        stopped = await untilSignal(gw.aggregator.done, log);
        if (!stopped) log.info({ rounds: cfg.experiment.rounds }, 'job finished');
      } finally {
        await gw.close();
      }
      // What the job carried, like `sim`'s: per device payload and wire bytes, the saving against float32.
      const [{ formatSummary }, { UnhealthyRunError, formatHealth, logHealth }] = await Promise.all([import('../summary.js'), import('../health.js')]);
      const record = gw.record();
      if (opts.json) writeFileSync(opts.json, JSON.stringify(record, null, 2) + '\n');
      if (record.health) logHealth(log, record.health);
      if (!opts.quiet) {
        process.stdout.write(formatSummary(record) + (record.health ? formatHealth(record.health) + '\n' : '') + (opts.json ? `\nrun record: ${opts.json}\n` : ''));
      }
      // A job that ran to its end without doing its work exits 3; a stopped one (Ctrl-C) is not judged.
      if (!stopped && record.health && !record.health.ok) throw new UnhealthyRunError(record.health);
    });
}

/** `--broker`: the aggregator as a plain MQTT client of Mosquitto, EMQX or an aedes cluster, with its own credential. */
async function runAgainstBroker(cfg: GatewayConfig, broker: NonNullable<GatewayConfig['broker']>, log: Log): Promise<void> {
  const [{ startAggregator }, { GATEWAY }, { readClientTls, readSecret }] = await Promise.all([
    import('@edgefl/gateway'), import('@edgefl/transport'), import('../credentials.js'),
  ]);
  const secure = broker.secretFile !== undefined || broker.secretEnv !== undefined;
  if (!secure) log.warn({ url: broker.url }, 'no broker.secretFile or broker.secretEnv: the aggregator connects anonymously');
  if (!/^(mqtts|wss):/.test(broker.url)) log.warn({ url: broker.url }, 'the broker url is not TLS (mqtts:// or wss://): the aggregator\'s secret and the model cross the network in clear');
  const tls = readClientTls(broker.tls);
  const aggregator = await startAggregator({
    url: broker.url, experiment: cfg.experiment, devices: cfg.devices, log,
    ...(cfg.state ? { stateDir: cfg.state.dir } : {}),
    ...(secure ? { username: GATEWAY, password: readSecret(broker, 'the aggregator', log) } : {}),
    ...(tls !== undefined ? { tls } : {}),
  });
  log.info({ url: broker.url, job: cfg.experiment.job, devices: cfg.devices }, 'aggregator up on the external broker');
  let stopped = false;
  try {
    stopped = await untilSignal(aggregator.done, log);
    if (!stopped) log.info({ rounds: cfg.experiment.rounds }, 'job finished');
  } finally {
    await aggregator.close();
  }
  const { UnhealthyRunError, logHealth } = await import('../health.js');
  const health = aggregator.health();
  logHealth(log, health);
  if (!stopped && !health.ok) throw new UnhealthyRunError(health);
}
