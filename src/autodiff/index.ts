/** autodiff — primitives (forward, JVP, VJP side by side) and the two interpreters over them. */
export { Var, Dual, apply, valueOf, type Operand, type Primitive } from './primitive.js';
export { grad, valueAndGrad, vjp, jvp, backward, type DiffFunction } from './grad.js';
export { centralDifference, gradcheck, relativeError, type GradcheckOptions, type GradcheckReport, type GradcheckEntry } from './gradcheck.js';
export { add, sub, mul, div, scale, neg } from './primitives/arithmetic.js';
export { matmul } from './primitives/matmul.js';
export { exp, log, sigmoid, tanh, relu, square, sqrt, softplus, elementwiseByName, type ElementwiseName } from './primitives/unary.js';
export { sum, mean, reshape } from './primitives/reduce.js';
export { softmax, logSoftmax } from './primitives/softmax.js';
export { dense } from './primitives/dense.js';
