import { loadExperimentConfig } from '@edgefl/config';
import { runExperiment } from '@edgefl/firmware-sim';
import { nullLog } from '@edgefl/core';
const cfg = loadExperimentConfig(process.argv[2]!, [`rounds=${process.argv[3]}`, ...process.argv.slice(4)] as never);
process.on('unhandledRejection', () => {});
try {
  const r = await runExperiment(cfg as never, { log: nullLog });
  for (const x of r.rounds.filter((_, i) => i % Math.ceil(r.rounds.length / 10) === 0)) console.log(x.round, x.loss, x.objectiveGap, x['consensusError'], x.payloadBits);
} catch (e) { console.error('ERR', e); }
