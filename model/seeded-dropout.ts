import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Configuration of a {@link SeededDropout} layer, as stored in the model topology. */
export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of units dropped while training, in [0, 1). */
  rate: number;
  /** Base seed; the trainer derives each training batch's mask from it, the epoch and the batch index. */
  seed: number;
}

/**
 * A dropout layer as ctrain's networks carry it: its rate and the seed of its masks, stored in
 * the model's topology. The trainer (dense-trainer.ts) draws the masks itself, as a pure function
 * of (seed, epoch, batch), so a resumed run matches an unbroken one; tf.layers.dropout could not
 * (Math.random, or one mask for every batch). Everywhere else, as any dropout at inference, it
 * is the identity.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'CtrainSeededDropout';
  readonly rate: number;
  readonly seed: number;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!input) throw new Error(`${this.name} received no input tensor`);
    return input;
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
