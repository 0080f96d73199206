import { Command } from 'commander';

interface ReportCliOptions {
  out: string;
  svg?: string;
  target?: string[];
  baseline?: string;
  label?: string[];
  title?: string;
}

/** A repeatable option, with no default shown in --help. */
const append = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `edgefl report run.json… --out report.html`: compare runs by rounds, bits and accuracy. */
export function reportCommand(): Command {
  return new Command('report')
    .description('compare edgefl-run/1 records: charts by rounds and by payload bits, wire bytes per link, a to-target table, in one self-contained HTML file')
    .argument('<run.json...>', 'run records written by `edgefl sim … --json run.json`')
    .requiredOption('--out <report.html>', 'the HTML file to write (opens from disk, no network)')
    .option('--svg <dir>', 'also write each chart as a standalone SVG and PNG into this directory')
    .option('--target <metric=value>', 'a to-target table: accuracy=0.8 (reached at ≥), loss=0.3 or gap=1e-5 (reached at ≤); repeatable', append)
    .option('--baseline <name>', 'the run ratios are against: its label or file name without .json (default: the first)')
    .option('--label <text>', 'series label for the run file in the same position (repeatable; default: algorithm and codec)', append)
    .option('--title <text>', 'page title')
    .action(async (files: string[], opts: ReportCliOptions) => {
      const { writeReport } = await import('@edgefl/report');
      const { report, written } = await writeReport({
        files, out: opts.out, targets: opts.target ?? [], labels: opts.label ?? [],
        ...(opts.svg !== undefined ? { svgDir: opts.svg } : {}),
        ...(opts.baseline !== undefined ? { baseline: opts.baseline } : {}),
        ...(opts.title !== undefined ? { title: opts.title } : {}),
      });
      for (const t of report.tables) {
        for (const r of t.rows) {
          const where = r.hit ? `round ${r.hit.round}, ${r.hit.cumPayloadBits} payload bits, ${r.hit.cumWireBytes} wire bytes` : r.status === 'never' ? 'never reached' : 'not recorded';
          process.stdout.write(`${t.target.metric}=${t.target.value}  ${r.run}: ${where}${r.ratio ? ` (bits ×${r.ratio.payloadBits.toPrecision(3)} of baseline)` : ''}\n`);
        }
      }
      process.stdout.write(`wrote ${written.join(', ')}\n`);
    });
}
