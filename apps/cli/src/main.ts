import { Command, CommanderError } from 'commander';
import { errorMessage, isEdgeflError } from '@edgefl/core';
import { simCommand } from './commands/sim.js';
import { gatewayCommand } from './commands/gateway.js';
import { agentCommand } from './commands/agent.js';
import { benchCommand } from './commands/bench.js';
import { keysCommand } from './commands/keys.js';
import { reportCommand } from './commands/report.js';
import { topCommand } from './commands/top.js';

/** Exit codes: 0 success, 1 failure at run time, 2 a user error (config, data, arguments), 130 stopped by Ctrl-C during `sim`. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('edgefl')
    .description('Federated learning for edge and IoT fleets: quantized updates over MQTT, training in ONNX Runtime.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  // `sim --help` lists every algorithm and its parameters from their declarations; only
  // then are the declarations (and zod) loaded, so other commands' help stays light.
  const simHelp = argv[0] === 'sim' && argv.some((a) => a === '--help' || a === '-h')
    ? (await import('@edgefl/algorithms')).algorithmsHelp()
    : undefined;
  // addCommand does not copy settings: each subcommand must throw instead of exiting.
  for (const cmd of [simCommand(simHelp), gatewayCommand(), agentCommand(), keysCommand(), benchCommand(), reportCommand(), topCommand()]) {
    program.addCommand(cmd.exitOverride().showHelpAfterError());
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isEdgeflError(e)) {
      process.stderr.write(`edgefl: ${e.describe()}\n`);
      return e.exitCode;
    }
    process.stderr.write(`edgefl: ${errorMessage(e)}\n${e instanceof Error && e.stack ? e.stack + '\n' : ''}`);
    return 1;
  }
}
