/**
 * bench/rule-directions — how close each learning rule's update direction is to the true gradient,
 * layer by layer: for mini-batches of MNIST at the initial weights, the cosine between a rule's
 * ∂C/∂W^l estimate and backprop's, and the ratio of their norms, averaged over the batches. Not a
 * speed benchmark: a measurement behind docs/beyond-backprop.md's reading of why the perturbation
 * rules fail on deeper networks. forward-forward is left out (it descends another cost).
 * With --train N each rule first trains its own copy of the network on the first N training digits
 * (batch 10, plain SGD at `glassbox compare`'s learning rate for the rule), and the directions are
 * measured on the batches after those: where feedback alignment's alignment shows.
 *
 *   npx tsx bench/rule-directions.ts                          # [784,100,10] and [784,100,100,10]
 *   npx tsx bench/rule-directions.ts --train 10000
 *   npx tsx bench/rule-directions.ts --layers 100,100,100 --batches 50 --seed 2
 */
import { Command } from 'commander';
import { RULE_ETA } from '../src/cli/rule-rates.js';
import { alignment, backprop, fit, head, loadDataset, Rng, rules, sequential, sgd, sliceRows, type RuleName } from '../src/index.js';

const opts = new Command('bench-rule-directions')
  .option('--layers <lists>', 'hidden sizes of each network, networks separated by /', '100/100,100')
  .option('--batches <n>', 'mini-batches averaged over', '30')
  .option('--batch <n>', 'mini-batch size', '10')
  .option('--seed <n>', 'seed of the weights and of every rule', '1')
  .option('--train <n>', 'training digits each rule learns from before its directions are measured', '0')
  .parse()
  .opts<{ layers: string; batches: string; batch: string; seed: string; train: string }>();

const RULES: RuleName[] = ['feedback-alignment', 'direct-feedback-alignment', 'forward-gradient', 'weight-perturbation', 'node-perturbation'];
const batches = Number(opts.batches);
const batch = Number(opts.batch);
const seed = Number(opts.seed);
const trained = Number(opts.train);
const { train, info } = await loadDataset('mnist');
const when = trained > 0 ? `after training on the first ${trained} digits with the rule itself (seed ${seed})` : `at the initial weights (seed ${seed})`;
console.log(`${info.name}, ${batches} mini-batches of ${batch} from digit ${trained}, ${when}; per weight layer l (Nielsen's numbering): cos(estimate, gradient) and |estimate| / |gradient|, means over the batches`);
for (const hidden of opts.layers.split('/')) {
  const sizes = [784, ...hidden.split(',').map(Number), 10];
  console.log(`\n[${sizes.join(', ')}] sigmoid, cross-entropy`);
  for (const name of RULES) {
    const model = sequential({ sizes, activation: 'sigmoid', output: 'sigmoid', cost: 'cross-entropy', init: 'default', rng: seed });
    const rule = rules[name];
    const rng = new Rng(seed);
    const state = rule.init(model, rng.fork());
    if (trained > 0) {
      // fit draws the rule's state (feedback matrices) from its own rng: the measured rule must be the
      // trained one, so it trains through a wrapper that keeps using `state`.
      const own = { ...rule, init: () => state };
      await fit(model, head(train, trained), { epochs: 1, batchSize: 10, optimizer: sgd({ eta: RULE_ETA[name] }), rule: own, rng: seed });
    }
    const L = sizes.length - 1;
    const cos = new Float64Array(L);
    const ratio = new Float64Array(L);
    for (let s = 0; s < batches; s++) {
      const from = trained + s * batch;
      const x = sliceRows(train.x, from, from + batch); // [batch, 784]
      const y = sliceRows(train.y, from, from + batch); // [batch, 10]
      const truth = backprop.step(model, { x, y }, null, rng).grads; // [dW2, db2, dW3, db3, …]
      const estimate = rule.step(model, { x, y }, state, rng).grads;
      for (let l = 0; l < L; l++) {
        const { angle, normRatio } = alignment(estimate[2 * l], truth[2 * l]); // rules/alignment, as fit's monitor
        cos[l] += Math.cos((angle * Math.PI) / 180) / batches;
        ratio[l] += normRatio / batches;
      }
    }
    const cells = Array.from(cos, (c, l) => `W${l + 2}: cos ${c.toFixed(3)}, norm × ${ratio[l].toPrecision(3)}`);
    console.log(`  ${name.padEnd(26)} ${cells.join(' | ')}`);
  }
}
