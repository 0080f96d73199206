import { Command } from 'commander';
import { loadAgentConfig } from '@edgefl/config';
import { createLogger } from '@edgefl/telemetry';
import { agentData, startAgent } from '@edgefl/agent';
import { collect, SET_HELP } from '../options.js';
import { untilSignal } from '../signals.js';

export function agentCommand(): Command {
  return new Command('agent')
    .description('run one device: train locally and exchange quantized updates with the gateway')
    .option('--config <file>', 'agent file (see configs/agent.yaml)', 'configs/agent.yaml')
    .option('--set <key=value>', SET_HELP.agent, collect, [])
    .action(async (opts: { config: string; set: string[] }) => {
      const cfg = loadAgentConfig(opts.config, opts.set);
      const log = createLogger({ level: cfg.log.level, name: 'agent' });
      const password = process.env['EDGEFL_PASSWORD'];
      const agent = await startAgent({
        url: cfg.gateway.url, device: cfg.device, job: cfg.job, log, data: agentData(cfg.data), threads: cfg.threads,
        ...(cfg.gateway.giveUpAfterMs !== null ? { giveUpAfterMs: cfg.gateway.giveUpAfterMs } : {}),
        ...(password !== undefined ? { username: cfg.device, password } : {}),
      });
      try {
        const stopped = await untilSignal(agent.done, log);
        if (!stopped) log.info({}, 'job finished');
      } finally {
        await agent.close();
      }
    });
}
