// keel.io: safetensors files (read and written by hand from the format's spec), model files
// with PyTorch's state-dict names, and training checkpoints.
export {
  loadSafetensors, MAX_HEADER_BYTES, parseSafetensors, readSafetensorsHeader, SafetensorsError, saveSafetensors, serializeSafetensors,
} from './safetensors.js';
export type { ParseSafetensorsOptions, SafetensorsContents, SafetensorsEntry, SafetensorsHeader } from './safetensors.js';
export { loadCheckpoint, loadModelWeights, readModelInfo, saveCheckpoint, saveModel } from './checkpoint.js';
export type {
  CheckpointContents, LoadCheckpointOptions, LoadedCheckpoint, LoadModelWeightsResult, ModelInfo, SaveModelOptions,
} from './checkpoint.js';
