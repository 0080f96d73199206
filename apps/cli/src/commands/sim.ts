import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { collect, SET_HELP } from '../options.js';
import { StoppedError, abortOnSignal } from '../signals.js';

/** `algorithms`: the algorithm list for `--help`, given when help was asked for (building it loads every declaration). */
export function simCommand(algorithms?: string): Command {
  const cmd = new Command('sim')
    .description('run an experiment on an emulated fleet: an embedded gateway and one agent per device')
    .argument('<experiment.yaml>', 'experiment file (see configs/quickstart.yaml)')
    .addOption(new Option('--transport <kind>', 'how messages travel: over a real MQTT broker, or in memory').choices(['mqtt', 'memory']))
    .option('--set <key=value>', SET_HELP.sim, collect, [])
    .option('--json <file>', 'write the run record (format edgefl-run/1) to this file')
    .option('--quiet', 'no progress bar and no summary')
    .action(async (file: string, opts: { transport?: 'mqtt' | 'memory'; set: string[]; json?: string; quiet?: boolean }) => {
      // Loaded here, not at the top: `edgefl --help` and the other commands must not pay for them.
      const [{ loadExperimentConfig }, { createLogger }, { runExperiment }, { RoundProgress }, { formatSummary }, { UnhealthyRunError, formatHealth, logHealth }] = await Promise.all([
        import('@edgefl/config'), import('@edgefl/telemetry'), import('@edgefl/lab'), import('../progress.js'), import('../summary.js'), import('../health.js'),
      ]);
      const sets = opts.transport ? [...opts.set, `transport.kind=${opts.transport}`] : opts.set;
      const cfg = loadExperimentConfig(file, sets);
      // Node logs go to stderr and default to warnings, so the progress bar stays readable.
      const log = createLogger({ level: cfg.log.level ?? (process.env['EDGEFL_LOG_LEVEL'] ? undefined : 'warn'), destination: 'stderr', name: 'sim' });
      const progress = opts.quiet ? null : new RoundProgress(cfg.rounds);
      // Ctrl-C: give the terminal back (cursor, line wrap) at once, then stop the fleet cleanly.
      const stop = abortOnSignal(() => {
        progress?.stop();
        process.stderr.write('stopping: closing the fleet (Ctrl-C again to quit at once)\n');
      });
      let record;
      try {
        record = await runExperiment(cfg, {
          log, signal: stop.signal,
          onStart: (info) => progress?.start(info),
          onRound: (r) => progress?.round(r),
        });
      } finally {
        stop.dispose();
        progress?.stop();
      }
      if (opts.json) writeFileSync(opts.json, JSON.stringify(record, null, 2) + '\n');
      if (record.incomplete) {
        throw new StoppedError(`stopped after ${record.rounds.length} of ${cfg.rounds} rounds` +
          (opts.json ? `; partial run record (marked "incomplete": true) written to ${opts.json}` : ''));
      }
      if (record.health) logHealth(log, record.health);
      if (!opts.quiet) {
        process.stdout.write(formatSummary(record) + (record.health ? formatHealth(record.health) + '\n' : '') + (opts.json ? `\nrun record: ${opts.json}\n` : ''));
      }
      // A job that ran to its end without doing its work (no usable updates, a diverged model) exits 3.
      if (record.health && !record.health.ok) throw new UnhealthyRunError(record.health);
    });
  if (algorithms) cmd.addHelpText('after', `\n${algorithms}\n`);
  return cmd;
}
