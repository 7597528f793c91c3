/** optim — SGD, momentum, Adam, L1/L2, with explicit state. */
export { sgd, adam, type Optimizer, type OptimizerState, type OptimParameter, type SgdOptions, type AdamOptions, type RegularisationOptions } from './optimizers.js';
