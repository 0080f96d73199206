import type { Dataset } from '@edgefl/core';
import type { ExperimentConfig } from '@edgefl/config';
import { leastSquaresOptimum } from '@edgefl/algorithms';

/**
 * The run record's `objectiveGap` = F(θ) − F*: for the linear model on a regression set,
 * F is the mean squared error over the training split (the record's `loss`, computed here in
 * float64) and F* its minimum, from the centralized least-squares solution; null otherwise.
 */
export function objectiveGapOf(cfg: ExperimentConfig, train: Dataset): (model: Float32Array) => number | null {
  if (cfg.model.kind !== 'linear' || train.classes !== 0) return () => null;
  const opt = leastSquaresOptimum(train);
  return (model) => opt.gap(model);
}
