import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Configuration of a {@link SeededDropout} layer, as stored in the model topology. */
export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of units dropped while training, in [0, 1). */
  rate: number;
  /** Base seed; the mask of each training batch derives from it, the epoch and the batch index. */
  seed: number;
}

/**
 * Dropout whose masks are a pure function of (seed, epoch, batch). tf.layers.dropout either
 * draws from Math.random (not repeatable) or, given a seed, reuses one mask for every batch;
 * this one is repeatable and still varies the mask, so a resumed run matches an unbroken one.
 * At inference it is the identity, like any dropout.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'CtrainSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private epoch = 0;
  private batch = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  /** Starts the mask sequence of an epoch; the trainer calls it before each epoch. */
  startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.batch = 0;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!input) throw new Error(`${this.name} received no input tensor`);
    if (kwargs.training !== true || this.rate === 0) return input;
    const maskSeed = `${this.seed}:${this.epoch}:${this.batch++}`;
    return tf.dropout(input, this.rate, undefined, maskSeed);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

// Registration lets tf.loadLayersModel rebuild exported models and checkpoints that use it.
tf.serialization.registerClass(SeededDropout);

/** Points every seeded dropout layer of a model at an epoch's mask sequence. */
export function startDropoutEpoch(layersModel: tf.LayersModel, epoch: number): void {
  for (const layer of layersModel.layers) {
    if (layer instanceof SeededDropout) layer.startEpoch(epoch);
  }
}
