/** nn — activations, costs, initialisers, dense layers and `sequential`. */
export { sigmoid, tanh, relu, linear, softmax, activation, activationNames, type Activation, type ActivationName } from './activations.js';
export { quadratic, crossEntropy, logLikelihood, cost, costNames, type Cost, type CostName } from './costs.js';
export { initLayer, initNames, type InitName } from './init.js';
export {
  dense, sequential, Sequential,
  type DenseSpec, type DenseLayer, type Parameter, type ModelSpec, type SequentialOptions, type ForwardTrace,
} from './model.js';
