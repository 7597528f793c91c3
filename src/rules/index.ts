/** rules — learning rules behind one interface: backprop and its alternatives, and a registry by name. */
export type { LearningRule, RuleStep, Batch } from './rule.js';
export { backprop } from './backprop.js';
export { feedbackAlignment, drawFeedback, type FeedbackAlignmentState } from './feedback-alignment.js';
export { directFeedbackAlignment, drawDirectFeedback, type DirectFeedbackAlignmentState } from './direct-feedback-alignment.js';
export { forwardGradient, type ForwardGradientOptions } from './forward-gradient.js';
export { weightPerturbation, type WeightPerturbationOptions } from './weight-perturbation.js';
export { nodePerturbation, type NodePerturbationOptions } from './node-perturbation.js';
export { forwardForward, embedLabels, rmsNormalize, type ForwardForwardOptions } from './forward-forward.js';
export { rules, ruleByName, RULE_NAMES, isolatedRule, warmUpRule, type RuleName, type PassCounts } from './registry.js';
export { alignment, ruleAlignment, type Alignment } from './alignment.js';
