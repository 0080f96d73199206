import { Command } from 'commander';
import { collect, SET_HELP } from '../options.js';
import { untilSignal } from '../signals.js';

export function agentCommand(): Command {
  return new Command('agent')
    .description('run one device: train locally and exchange quantized updates with the gateway')
    .option('--config <file>', 'agent file (see configs/agent.yaml)', 'configs/agent.yaml')
    .option('--set <key=value>', SET_HELP.agent, collect, [])
    .action(async (opts: { config: string; set: string[] }) => {
      // Loaded here, not at the top: `edgefl --help` and the other commands must not pay for them.
      const [{ loadAgentConfig }, { createLogger }, { agentData, startAgent }, { readClientTls, readSecret }] = await Promise.all([
        import('@edgefl/config'), import('@edgefl/telemetry'), import('@edgefl/agent'), import('../credentials.js'),
      ]);
      const cfg = loadAgentConfig(opts.config, opts.set);
      const log = createLogger({ level: cfg.log.level, name: 'agent' });
      // The secret comes from a file or an environment variable the config names, never from argv.
      const password = cfg.auth === undefined ? undefined : readSecret(cfg.auth, `device ${cfg.device}`, log);
      if (password === undefined) log.warn({}, 'no auth section: connecting anonymously (a gateway with auth.keys refuses this)');
      const tls = readClientTls(cfg.tls);
      const agent = await startAgent({
        url: cfg.gateway.url, device: cfg.device, job: cfg.job, log, data: agentData(cfg.data), threads: cfg.threads,
        ...(cfg.state ? { stateDir: cfg.state.dir } : {}),
        keepaliveSec: cfg.gateway.keepaliveSec, session: cfg.gateway.session,
        reassemblyBytes: cfg.limits.reassemblyBytes,
        ...(cfg.gateway.giveUpAfterMs !== null ? { giveUpAfterMs: cfg.gateway.giveUpAfterMs } : {}),
        ...(password !== undefined ? { username: cfg.device, password } : {}),
        ...(tls !== undefined ? { tls } : {}),
      });
      try {
        const stopped = await untilSignal(agent.done, log);
        if (!stopped) log.info({}, 'job finished');
      } finally {
        await agent.close();
      }
    });
}
