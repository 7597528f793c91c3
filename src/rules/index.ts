/** rules — learning rules behind one interface: backprop and its alternatives. */
export type { LearningRule, RuleStep, Batch } from './rule.js';
export { backprop } from './backprop.js';
