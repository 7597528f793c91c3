/**
 * web/compare-worker — the "Beyond backprop" comparison in a Web Worker of its own, so neither the
 * page nor the training worker waits for it. Each chosen learning rule trains a fresh copy of the
 * page's network (same seed, so the same initial weights) with the library's `fit`, on the same
 * batches in the same order, for the same number of examples; the learning curve is the test
 * accuracy every ~1/20 of the budget. As in `glassbox compare`, each rule's own randomness comes
 * from a generator of its own (so it cannot shift the batch order) and its passes are counted.
 * At every curve point it also measures how the rule's update of the first weight layer W2 stands to
 * backprop's gradient ∂C/∂W2, as an angle, on a fixed batch of training rows at the current weights.
 * The page stops a run by terminating this worker.
 */
import {
  DivergenceError, evaluate, fit, GlassboxError, isolatedRule, ruleAlignment, warmUpRule, Rng, ruleByName, sliceDataset,
  type Dataset, type LearningRule, type RuleName, type Sequential,
} from 'glassbox';
import { loadExplorerData } from './data.js';
import { buildModel, makeOptimizer } from './model.js';
import type { CompareOutcome, ComparePoint, CompareRun, FromCompare, ToCompare } from './protocol.js';

/** The worker's global scope, as far as this file uses it. */
interface WorkerScope {
  postMessage(message: FromCompare): void;
  onmessage: ((event: MessageEvent<ToCompare>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Most test examples each curve point is measured on (the final accuracy uses the whole test set). */
const CURVE_EXAMPLES = 2000;
/** About this many curve points per rule. */
const CURVE_POINTS = 20;
/** The first this many training rows: the batch each rule's angle to the gradient is measured on. */
const PROBE_EXAMPLES = 100;

/**
 * The angle in degrees between `rule`'s update of W2 and backprop's ∂C/∂W2 on `probe` at the model's
 * current weights (the library's `ruleAlignment`). The rule's state is its own copy of the run's
 * (the same fixed matrices), and its random draws come from a generator of the measurement's, so
 * measuring changes nothing in training. Null for forward-forward, whose updates descend another
 * objective, and where the direction is undefined (a zero update or gradient).
 */
function angleToGradient(rule: LearningRule, state: unknown, model: Sequential, probe: { x: Dataset['x']; y: Dataset['y'] }): number | null {
  if (rule.name === 'forward-forward') return null;
  const { angle } = ruleAlignment(rule, state, model, probe)[0];
  return Number.isFinite(angle) ? angle : null;
}

/** Train one rule for the run's budget; failures (divergence, a network it cannot train) become the outcome's `failure`. */
async function runRule(run: CompareRun, name: RuleName, eta: number, train: Dataset, test: Dataset, curveSet: Dataset): Promise<CompareOutcome> {
  const { setup, budget, target } = run;
  const n = train.labels.length;
  const counts = { forward: 0, backward: 0 };
  const curve: ComparePoint[] = [];
  const outcome: CompareOutcome = {
    rule: name, eta, testAccuracy: null, examplesToTarget: null, seconds: 0, examples: 0, steps: 0, forwardPasses: 0, backwardPasses: 0, failure: null, curve,
  };
  const rule = ruleByName(name);
  const predict = rule.predict?.bind(rule);
  const model = buildModel(setup); // the page's network: the same initial weights for every rule
  try {
    rule.init(model, new Rng(0)); // a rule that cannot train this network says why (forward-forward has needs)
  } catch (err) {
    if (!(err instanceof GlassboxError)) throw err;
    outcome.failure = err.message;
    return outcome;
  }
  warmUpRule(rule, buildModel(setup), train.x, train.y, setup.batch); // JIT warm-up, untimed
  const evalEvery = Math.max(setup.batch, Math.round(budget / CURVE_POINTS));
  // The rule's state as fit's isolated rule draws it (same seed and name: the same matrices), kept apart.
  const probeState = isolatedRule(rule, setup.seed, { forward: 0, backward: 0 }).init(model, new Rng(0)).inner; // (its own Rng: the argument is unused)
  const probeRows = Math.min(PROBE_EXAMPLES, n);
  const probeSet = sliceDataset(train, 0, probeRows);
  const probe = { x: probeSet.x, y: probeSet.y };
  const measure = (examples: number): void => {
    const point = { examples, accuracy: evaluate(model, curveSet, 1000, predict).accuracy, angle: angleToGradient(rule, probeState, model, probe) };
    curve.push(point);
    if (outcome.examplesToTarget === null && point.accuracy >= target) outcome.examplesToTarget = examples;
    scope.postMessage({ run: run.id, type: 'point', rule: name, point });
  };
  measure(0);
  const controller = new AbortController();
  let nextEval = evalEvery;
  let mark = performance.now();
  try {
    await fit(model, train, {
      epochs: Math.ceil(budget / n),
      batchSize: setup.batch,
      optimizer: makeOptimizer({ optimizer: setup.optimizer, eta, lambda: setup.lambda }, n),
      rule: isolatedRule(rule, setup.seed, counts) as LearningRule,
      rng: setup.seed, // the batch order: the same for every rule, and the same as the page's ▶
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'batch') return;
        outcome.seconds += (performance.now() - mark) / 1000;
        outcome.steps++;
        outcome.examples += e.batch < e.batches ? setup.batch : n - (e.batches - 1) * setup.batch;
        const done = outcome.examples >= budget;
        if (done) controller.abort();
        if (outcome.examples >= nextEval || done) {
          measure(outcome.examples);
          while (nextEval <= outcome.examples) nextEval += evalEvery;
        }
        mark = performance.now(); // measuring the curve is not training time
      },
    });
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    outcome.failure = `diverged at step ${err.step} (η ${eta} too large?)`;
  }
  outcome.forwardPasses = counts.forward;
  outcome.backwardPasses = counts.backward;
  if (!outcome.failure) outcome.testAccuracy = evaluate(model, test, 1000, predict).accuracy;
  return outcome;
}

async function runAll(run: CompareRun): Promise<void> {
  const { setup } = run;
  const data = await loadExplorerData(setup.data, setup.noise, setup.seed, setup.mnistBase);
  const curveSet = sliceDataset(data.test, 0, Math.min(CURVE_EXAMPLES, data.test.labels.length));
  for (const choice of run.rules) {
    scope.postMessage({ run: run.id, type: 'start', rule: choice.rule, testCount: data.test.labels.length, curveCount: curveSet.labels.length });
    const outcome = await runRule(run, choice.rule, choice.eta, data.train, data.test, curveSet);
    scope.postMessage({ run: run.id, type: 'result', outcome });
  }
  scope.postMessage({ run: run.id, type: 'done' });
}

scope.onmessage = (event) => {
  const { run } = event.data;
  runAll(run).catch((err: unknown) => {
    const message = err instanceof GlassboxError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
    scope.postMessage({ run: run.id, type: 'error', message });
  });
};
