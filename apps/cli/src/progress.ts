import cliProgress from 'cli-progress';
import type { RoundRecord } from '@edgefl/runtime';

/**
 * Round progress: a live bar on a terminal (cli-progress), one line per round otherwise
 * (CI logs, pipes), so a run is never silent.
 */
export class RoundProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private stopped = false;

  constructor(private readonly rounds: number, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.bar = stream.isTTY
      ? new cliProgress.SingleBar({
          stream,
          format: 'round {value}/{total} {bar} training loss {loss} | held-out accuracy {accuracy} | {transport} | {eta_formatted} left',
          hideCursor: true,
        }, cliProgress.Presets.shades_classic)
      : null;
  }

  start(info: { devices: readonly string[]; dim: number; transport: string }): void {
    const head = `${info.devices.length} devices, ${info.dim} parameters, ${this.rounds} rounds over ${info.transport}`;
    if (this.bar) {
      this.stream.write(head + '\n');
      this.bar.start(this.rounds, 0, { loss: '-', accuracy: '-', transport: info.transport });
    } else {
      this.stream.write(head + '\n');
    }
  }

  round(r: RoundRecord): void {
    if (this.stopped) return;
    const loss = r.loss.toFixed(4);
    const accuracy = r.accuracy === null ? 'n/a' : `${(100 * r.accuracy).toFixed(1)}%`;
    if (this.bar) this.bar.update(r.round, { loss, accuracy });
    else this.stream.write(`round ${r.round}/${this.rounds}  training loss ${loss}  held-out accuracy ${accuracy}  ${(r.wallMs / 1000).toFixed(2)} s\n`);
  }

  /** Restores the terminal (cursor, line wrap); later rounds are not shown. Safe to call twice. */
  stop(): void {
    this.stopped = true;
    this.bar?.stop();
  }
}
