// Embedding: a lookup table of learned vectors indexed by int32 ids.
import { empty } from '../../ops/creation.js';
import { formatShape } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import { noGrad } from '../../autograd.js';
import * as F from '../functional.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { checkInput, checkNonNegativeInt } from './utils.js';

export interface EmbeddingOptions {
  /** This row gets no gradient and starts at zero (padding tokens); negative counts from the end. */
  paddingIdx?: number | null;
}

function checkPaddingIdx(numEmbeddings: number, paddingIdx: number | null | undefined): number | null {
  if (paddingIdx == null) return null;
  if (typeof paddingIdx !== 'number' || !Number.isInteger(paddingIdx)) {
    throw new TypeError(`Embedding: expected an integer for paddingIdx but received ${describeValue(paddingIdx)}`);
  }
  if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
    throw new RangeError(`Embedding: paddingIdx (${paddingIdx}) must be within numEmbeddings (${numEmbeddings})`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/**
 * `weight[indices]`: maps int32 ids of any shape to vectors ([...ids.shape, embeddingDim]).
 * weight is [numEmbeddings, embeddingDim], initialized N(0, 1) as in PyTorch.
 *
 * @example
 * const emb = new nn.Embedding(10000, 64, { paddingIdx: 0 });
 * emb.forward(keel.tensor([[1, 5, 0]], { dtype: 'int32' })).shape; // [1, 3, 64]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  declare weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = checkNonNegativeInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = checkNonNegativeInt('Embedding', 'embeddingDim', embeddingDim);
    this.paddingIdx = checkPaddingIdx(numEmbeddings, options.paddingIdx);
    this.registerParameter('weight', empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** N(0, 1), with the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    this.zeroPaddingRow();
  }

  private zeroPaddingRow(): void {
    if (this.paddingIdx === null) return;
    const w = this.weight;
    const row = Tensor._view(w, [this.embeddingDim], null, w._offset + this.paddingIdx * this.embeddingDim);
    try {
      noGrad(() => row.zero_());
    } finally {
      row.dispose();
    }
  }

  /** An Embedding holding `embeddings` ([numEmbeddings, embeddingDim], copied); frozen by default. */
  static fromPretrained(embeddings: Tensor, options: EmbeddingOptions & { freeze?: boolean } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new TypeError(`Embedding.fromPretrained: expected a 2-D Tensor for embeddings but received ${embeddings instanceof Tensor ? `shape ${formatShape(embeddings.shape)}` : describeValue(embeddings)}`);
    }
    const [n, d] = embeddings.shape;
    const e = new Embedding(n, d, { paddingIdx: options.paddingIdx });
    noGrad(() => e.weight.copy_(embeddings));
    e.weight.requiresGrad_(!(options.freeze ?? true));
    return e;
  }

  override forward(indices: Tensor): Tensor {
    checkInput('Embedding', indices);
    if (indices.dtype !== 'int32') {
      throw new TypeError(`Embedding: expected an int32 tensor of indices but received ${indices.dtype} of shape ${formatShape(indices.shape)}`);
    }
    return F.embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
