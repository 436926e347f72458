// The handle of a network's population, in a module of its own so that the monitors can
// take populations without importing the network (and the network can import the monitors).
import { shown } from './describe';

/** A block of neurons with consecutive indices in its network. */
export class Population {
  constructor(
    /** Index of the first neuron in the network. */
    readonly first: number,
    readonly size: number,
    readonly name: string,
  ) {}

  /** The network index of this population's neuron `i`. */
  neuron(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`i must be an integer in [0, ${this.size - 1}] (got ${shown(i)})`);
    }
    return this.first + i;
  }
}
