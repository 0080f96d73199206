import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadGatewayConfig } from '@edgefl/config';
import { createLogger } from '@edgefl/telemetry';
import { startGateway } from '@edgefl/gateway';
import { collect, SET_HELP } from '../options.js';
import { untilSignal } from '../signals.js';
import { formatSummary } from '../summary.js';

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run an MQTT broker with the job\'s aggregator next to it; agents connect to it')
    .option('--config <file>', 'gateway file (see configs/gateway.yaml)', 'configs/gateway.yaml')
    .option('--set <key=value>', SET_HELP, collect, [])
    .option('--json <file>', 'write the run record (format edgefl-run/1) to this file when the job ends or is stopped')
    .option('--quiet', 'no summary at the end')
    .action(async (opts: { config: string; set: string[]; json?: string; quiet?: boolean }) => {
      const cfg = loadGatewayConfig(opts.config, opts.set);
      const log = createLogger({ level: cfg.log.level, name: 'gateway' });
      const gw = await startGateway({
        listen: cfg.listen, experiment: cfg.experiment, devices: cfg.devices, log, ...(cfg.monitor ? { monitor: cfg.monitor } : {}),
      });
      log.info({ url: gw.url, job: cfg.experiment.job, devices: cfg.devices, monitor: gw.monitor.server?.url }, 'gateway up; start agents with `edgefl agent`');
      try {
        const stopped = await untilSignal(gw.aggregator.done, log);
        if (!stopped) log.info({ rounds: cfg.experiment.rounds }, 'job finished');
      } finally {
        await gw.close();
      }
      // What the job carried, like `sim`'s: per device payload and wire bytes, the saving against float32.
      const record = gw.record();
      if (opts.json) writeFileSync(opts.json, JSON.stringify(record, null, 2) + '\n');
      if (!opts.quiet) process.stdout.write(formatSummary(record) + (opts.json ? `\nrun record: ${opts.json}\n` : ''));
    });
}
