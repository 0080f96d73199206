import type { Dataset } from '@edgefl/core';
import type { AgentDataConfig } from '@edgefl/config';
import { loadDataset, minmax, prepareFederatedData, standardize } from '@edgefl/data';
import type { JobAnnouncement } from '@edgefl/runtime';
import { AgentError } from './agent.js';

/**
 * An agent's training data once its job is known. A demo agent (`index`/`of`) cuts the
 * same shard the lab would, from the job's seed and preprocessing; a real device reads its
 * own files and scales them with statistics of its own rows (they never leave the device).
 */
export function agentData(cfg: AgentDataConfig): (job: JobAnnouncement) => Dataset {
  return (job) => {
    const exp = job.experiment;
    if (cfg.index !== undefined) {
      const of = cfg.of ?? job.devices.length;
      const fed = prepareFederatedData(
        { dataset: cfg.dataset, testFraction: exp.data.testFraction, normalize: exp.data.normalize, partition: cfg.partition ?? exp.data.partition },
        of, cfg.seed ?? exp.seed,
      );
      const shard = fed.shards[cfg.index];
      if (!shard) throw new AgentError(`data.index ${cfg.index} is out of range for ${of} shards`, 'set data.index between 0 and data.of − 1');
      return shard;
    }
    const ds = loadDataset(cfg.dataset);
    if (exp.data.normalize === 'standard') return standardize(ds).train;
    if (exp.data.normalize === 'minmax') return minmax(ds).train;
    return ds;
  };
}
