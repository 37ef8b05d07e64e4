import { InvalidTrainingDataError, InvalidTrainSpecError } from './errors.js';
import type { DataSplit, TrainData, TrainSpec } from './types.js';

/** Rejects a spec training cannot run, naming the field. */
export function validateSpec(spec: TrainSpec): void {
  const { network } = spec;
  check(Number.isInteger(spec.epochs) && spec.epochs >= 1, 'epochs', spec.epochs, 'a whole number of at least 1');
  check(Number.isInteger(spec.batchSize) && spec.batchSize >= 1, 'batchSize', spec.batchSize, 'a whole number of at least 1');
  check(spec.learningRate > 0 && Number.isFinite(spec.learningRate), 'learningRate', spec.learningRate, 'a positive number');
  check(Number.isInteger(spec.seed), 'seed', spec.seed, 'a whole number');
  if (network.kind === 'mlp') {
    check(network.dropout >= 0 && network.dropout < 1, 'network.dropout', network.dropout, 'in [0, 1)');
    check(network.hidden.every((units) => Number.isInteger(units) && units >= 1), 'network.hidden', network.hidden, 'whole numbers of at least 1');
  }
  if (spec.earlyStopPatience !== undefined) {
    check(Number.isInteger(spec.earlyStopPatience) && spec.earlyStopPatience >= 0, 'earlyStopPatience', spec.earlyStopPatience, 'a whole number of at least 0');
  }
  if (spec.minDelta !== undefined) check(spec.minDelta >= 0, 'minDelta', spec.minDelta, 'at least 0');
}

/** Rejects splits of the wrong shape, or with values training cannot use, naming split, row and column. */
export function validateData(data: TrainData, spec: TrainSpec): void {
  checkSplit('train', data.train, spec);
  if (data.validation) {
    checkSplit('validation', data.validation, spec);
    if (data.validation.width !== data.train.width) {
      throw new InvalidTrainingDataError(`validation split has width ${data.validation.width} but train has ${data.train.width}`);
    }
  }
}

function checkSplit(name: string, split: DataSplit, spec: TrainSpec): void {
  const { features, labels, rows, width } = split;
  if (rows < 1 || width < 1) throw new InvalidTrainingDataError(`${name} split is empty (${rows} rows x ${width} columns)`);
  if (features.length !== rows * width) {
    throw new InvalidTrainingDataError(`${name} split has ${features.length} feature values, expected ${rows} rows x ${width} = ${rows * width}`);
  }
  if (labels.length !== rows) throw new InvalidTrainingDataError(`${name} split has ${labels.length} labels for ${rows} rows`);
  const bad = features.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new InvalidTrainingDataError(`${name} split has a non-finite feature at row ${Math.floor(bad / width)}, column ${bad % width}`);
  }
  const badLabel = labels.findIndex((label) => (spec.task === 'binary' ? label !== 0 && label !== 1 : !Number.isFinite(label)));
  if (badLabel >= 0) {
    const expected = spec.task === 'binary' ? '0 or 1' : 'a finite number';
    throw new InvalidTrainingDataError(`${name} split has label ${labels[badLabel]} at row ${badLabel}; expected ${expected}`);
  }
}

function check(ok: boolean, field: string, value: unknown, expected: string): void {
  if (!ok) throw new InvalidTrainSpecError(`Training spec field ${field} is ${JSON.stringify(value)}; it must be ${expected}`);
}
