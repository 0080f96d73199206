import { Command, CommanderError } from 'commander';
import { errorMessage, isEdgeflError } from '@edgefl/core';
import { simCommand } from './commands/sim.js';
import { gatewayCommand } from './commands/gateway.js';
import { agentCommand } from './commands/agent.js';
import { benchCommand } from './commands/bench.js';
import { topCommand } from './commands/top.js';

/** Exit codes: 0 success, 1 failure at run time, 2 a user error (config, data, arguments). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('edgefl')
    .description('Federated learning for edge and IoT fleets: quantized updates over MQTT, training in ONNX Runtime.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  // addCommand does not copy settings: each subcommand must throw instead of exiting.
  for (const cmd of [simCommand(), gatewayCommand(), agentCommand(), benchCommand(), topCommand()]) {
    program.addCommand(cmd.exitOverride().showHelpAfterError());
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isEdgeflError(e)) {
      process.stderr.write(`edgefl: ${e.describe()}\n`);
      return 2;
    }
    process.stderr.write(`edgefl: ${errorMessage(e)}\n${e instanceof Error && e.stack ? e.stack + '\n' : ''}`);
    return 1;
  }
}
