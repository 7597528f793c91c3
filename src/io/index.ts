/**
 * io — model and checkpoint files: versioned, checksummed, validated on load with every problem
 * listed, written atomically. Imports only nn/, tensor/ and util/.
 */
export { sha256Hex, canonicalJson, checksumOf } from './checksum.js';
export { encodeBase64, decodeBase64, encodeTensor, decodeTensor, type StoredTensor } from './tensor-codec.js';
export { serializeModel, parseModel, MODEL_FORMAT, MODEL_VERSION, type ModelMeta, type ModelDocument, type ParsedModel } from './model-file.js';
export {
  serializeCheckpoint, parseCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  type Checkpoint, type CheckpointTrainState, type CheckpointOptimizerState, type CheckpointEpochRecord, type CheckpointEvaluation,
} from './checkpoint.js';
export {
  writeFileAtomic, saveModel, loadModel, loadCheckpoint, listCheckpoints, saveCheckpoint, loadLatestCheckpoint, TEMP_PREFIX,
  type LatestCheckpoint,
} from './node-files.js';
