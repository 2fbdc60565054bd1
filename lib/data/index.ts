// keel.data: datasets, batching, file readers (IDX, CIFAR) and image batch transforms.
export { Dataset, randomSplit, randperm, Subset, TensorDataset } from './dataset.js';
export { DataLoader, defaultCollate } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { loadIdxImages, loadIdxLabels, parseIdx, readIdx } from './idx.js';
export type { IdxData, IdxDType, IdxFile } from './idx.js';
export { parseCifarBatch, readCifarBatch } from './cifar.js';
export type { CifarBatch } from './cifar.js';
export * as datasets from './mnist.js';
export type { DigitSplits } from './mnist.js';
export * as transforms from './transforms.js';
export type { Transform } from './transforms.js';
export { IMAGE_EXTENSIONS, ImageFolder, loadImage } from './image-folder.js';
export type { ImageBatchOptions, ImageFit, ImageFolderOptions, ImageOptions } from './image-folder.js';
