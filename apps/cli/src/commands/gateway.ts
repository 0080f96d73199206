import { Command } from 'commander';
import { collect, SET_HELP } from '../options.js';
import { untilSignal } from '../signals.js';

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run an MQTT broker with the job\'s aggregator next to it; agents connect to it')
    .option('--config <file>', 'gateway file (see configs/gateway.yaml)', 'configs/gateway.yaml')
    .option('--set <key=value>', SET_HELP, collect, [])
    .action(async (opts: { config: string; set: string[] }) => {
      // Loaded here, not at the top: `edgefl --help` and the other commands must not pay for them.
      const [{ loadGatewayConfig }, { createLogger }, { startGateway }] = await Promise.all([
        import('@edgefl/config'), import('@edgefl/telemetry'), import('@edgefl/gateway'),
      ]);
      const cfg = loadGatewayConfig(opts.config, opts.set);
      const log = createLogger({ level: cfg.log.level, name: 'gateway' });
      const gw = await startGateway({ listen: cfg.listen, experiment: cfg.experiment, devices: cfg.devices, log });
      log.info({ url: gw.url, job: cfg.experiment.job, devices: cfg.devices }, 'gateway up; start agents with `edgefl agent`');
      try {
        const stopped = await untilSignal(gw.aggregator.done, log);
        if (!stopped) log.info({ rounds: cfg.experiment.rounds }, 'job finished');
      } finally {
        await gw.close();
      }
    });
}
