/**
 * A typed array that grows by doubling. The feature step keeps one number or byte per row (a
 * time, a split, a training value): over millions of rows a typed array holds them in 8 or 1
 * bytes each, where a JS array of numbers or strings takes several times that.
 */
export class GrowableArray<T extends Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>> {
  private data: T;
  private size = 0;

  constructor(
    private readonly create: new (length: number) => T,
    initialCapacity = 1024,
  ) {
    this.data = new create(initialCapacity);
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) this.grow();
    this.data[this.size++] = value;
  }

  /** The values pushed so far: a view over the same memory, not a copy. */
  values(): T {
    return this.data.subarray(0, this.size) as T;
  }

  private grow(): void {
    const larger = new this.create(Math.max(1, this.data.length * 2));
    larger.set(this.data);
    this.data = larger;
  }
}
