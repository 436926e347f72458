/** The loss curves of language-model training: training loss and validation loss against step. */
import { finiteNumbers, frame, type PlotOptions } from './common';
import { renderSvg } from './render';

/** What LutLanguageModel.train resolves with has these fields; either curve may be absent. */
export interface LossCurves {
  /** Each step's training loss; losses[k] is step firstStep + k. */
  losses?: ArrayLike<number>;
  /** The step of losses[0] (default 0; a resumed run's first step). */
  firstStep?: number;
  validations?: ReadonlyArray<{ step: number; loss: number }>;
}

export interface LossPlotOptions extends PlotOptions {
  /**
   * At most this many training points (default 500): consecutive steps are averaged in
   * equal buckets, which also smooths the per-step noise and keeps the SVG small.
   */
  maxPoints?: number;
}

/** Training loss (bucket means) and validation loss against step, e.g. `plotLoss(await model.train(text, { steps }))`. */
export async function plotLoss(curves: LossCurves, options: LossPlotOptions = {}): Promise<string> {
  const { losses = [], firstStep = 0, validations = [] } = curves;
  const { maxPoints = 500 } = options;
  finiteNumbers(losses, 'losses');
  if (!Number.isInteger(firstStep)) throw new RangeError(`firstStep must be an integer (got ${firstStep})`);
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`maxPoints must be an integer >= 2 (got ${maxPoints})`);
  if (!Array.isArray(validations)) throw new TypeError('validations must be an array of { step, loss }');
  validations.forEach((v, k) => {
    if (!Number.isFinite(v.step) || !Number.isFinite(v.loss)) throw new RangeError(`validations[${k}] must have a finite step and loss`);
  });
  if (losses.length === 0 && validations.length === 0) throw new RangeError('nothing to plot: no training losses and no validations');
  const bucket = Math.max(1, Math.ceil(losses.length / maxPoints));
  const training: Array<{ step: number; loss: number; curve: string }> = [];
  const trainingCurve = bucket === 1 ? 'training' : `training (mean of ${bucket} steps)`;
  for (let start = 0; start < losses.length; start += bucket) {
    const end = Math.min(losses.length, start + bucket);
    let sum = 0;
    for (let k = start; k < end; k++) sum += losses[k];
    training.push({ step: firstStep + (start + end - 1) / 2, loss: sum / (end - start), curve: trainingCurve });
  }
  const validation = validations.map((v) => ({ step: v.step, loss: v.loss, curve: 'validation' }));
  const encoding = {
    x: { field: 'step', type: 'quantitative', title: 'step' },
    y: { field: 'loss', type: 'quantitative', title: 'loss (nats per byte)', scale: { zero: false } },
    color: { field: 'curve', type: 'nominal', title: null, sort: [trainingCurve, 'validation'] },
  };
  return renderSvg({
    ...frame(options, 'loss against step'),
    layer: [
      { data: { values: training }, mark: { type: 'line', strokeWidth: 1.2 }, encoding },
      { data: { values: validation }, mark: { type: 'line', point: true, strokeWidth: 1.8 }, encoding },
    ],
  });
}
