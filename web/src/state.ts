/**
 * web/state — the explorer's whole configuration as one typed State, serialised to the URL hash
 * (`#data=spiral&hidden=8,8&…`) so a link reproduces the view. Parsing validates every field
 * against its own rule; a bad or unknown value falls back to the default with a console warning.
 * Nothing from the URL is ever evaluated: each value is matched, never executed.
 */

/** The data sets the explorer offers: the four toy sets and MNIST. */
export const DATA_NAMES = ['circle', 'xor', 'gauss', 'spiral', 'mnist'] as const;
/** One of `DATA_NAMES`. */
export type DataName = (typeof DATA_NAMES)[number];

/** Hidden-layer activations offered. */
export const HIDDEN_ACTIVATIONS = ['sigmoid', 'tanh', 'relu'] as const;
/** One of `HIDDEN_ACTIVATIONS`. */
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

/** Costs offered; each fixes the output activation (see `outputActivation`). */
export const COSTS = ['quadratic', 'cross-entropy', 'log-likelihood'] as const;
/** One of `COSTS`. */
export type CostChoice = (typeof COSTS)[number];

/** Optimisers offered. */
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
/** One of `OPTIMIZERS`. */
export type OptimizerChoice = (typeof OPTIMIZERS)[number];

/**
 * Learning rules the page trains with (the library's, less forward-forward, whose read-out is not the
 * network's output the page shows; it stays in the Beyond backprop comparison).
 */
export const TRAIN_RULES = ['backprop', 'feedback-alignment', 'direct-feedback-alignment', 'forward-gradient', 'weight-perturbation', 'node-perturbation'] as const;
/** One of `TRAIN_RULES`. */
export type TrainRuleChoice = (typeof TRAIN_RULES)[number];

/** Where training runs: the library's `auto` choice, WebAssembly SIMD, plain JavaScript, or the GPU (WebGPU). */
export const BACKENDS = ['auto', 'wasm', 'js', 'webgpu'] as const;
/** One of `BACKENDS`. */
export type BackendName = (typeof BACKENDS)[number];
/** The backend of a state without one (what the explorer has always trained on). */
export const DEFAULT_BACKEND: BackendName = 'js';

/** Inspector tabs. */
export const TABS = ['nudge', 'paths', 'backprop', 'units', 'compare'] as const;
/** One of `TABS`. */
export type Tab = (typeof TABS)[number];

/** A weight w^l_jk in Nielsen's numbering (l ≥ 2; j, k 0-based). */
export interface WeightRef {
  layer: number;
  to: number;
  from: number;
}

/** Everything a link must carry to reproduce a view. */
export interface State {
  data: DataName;
  /** Toy sets: noise 0 … 0.5 (the playground's 0–50 %). */
  noise: number;
  /** Hidden-layer widths, input and output excluded (e.g. [8, 8]). */
  hidden: number[];
  activation: HiddenActivation;
  cost: CostChoice;
  optimizer: OptimizerChoice;
  /** How the updates are found: backprop, or one of its alternatives. */
  rule: TrainRuleChoice;
  /** Learning rate η. */
  eta: number;
  /** Mini-batch size m. */
  batch: number;
  /** L2 regularisation λ (Nielsen's λ/2n Σw²). */
  lambda: number;
  /** Seed of every random choice (data, initial weights, batch order). */
  seed: number;
  /** Index of the example shown and explained, in the test set. */
  example: number;
  /** The weight being nudged and explained. */
  weight: WeightRef;
  /** The nudge Δw of the ripple view. */
  dw: number;
  tab: Tab;
  /** Training backend; absent means `DEFAULT_BACKEND` (links made before the choice existed). */
  backend?: BackendName;
  /** The model was handed over by `glassbox explore MODEL` (fetched from ./model.json). */
  servedModel: boolean;
}

/** The limits the parser enforces (also used by the form controls). */
export const LIMITS = {
  noise: [0, 0.5],
  hiddenLayers: [0, 6],
  width: [1, 128],
  eta: [1e-5, 100],
  batch: [1, 1000],
  lambda: [0, 100],
  seed: [0, 2 ** 31 - 1],
  example: [0, 9999],
  dw: [-5, 5],
  layer: [2, 8],
  neuron: [0, 783],
} as const;

/** The view a bare URL opens. */
export const DEFAULT_STATE: State = {
  data: 'circle',
  noise: 0,
  hidden: [4, 4],
  activation: 'tanh',
  cost: 'cross-entropy',
  optimizer: 'sgd',
  rule: 'backprop',
  eta: 0.3,
  batch: 10,
  lambda: 0,
  seed: 1,
  example: 0,
  weight: { layer: 2, to: 0, from: 0 },
  dw: 0.5,
  tab: 'nudge',
  servedModel: false,
};

/**
 * Defaults that suit MNIST better than the toy defaults: Nielsen's chapter 1 network, and a weight
 * from pixel (14, 17), which the first test digit (a 7) inks, so its nudge has an effect.
 */
export const MNIST_DEFAULTS: Pick<State, 'hidden' | 'activation' | 'cost' | 'eta' | 'batch' | 'weight'> = {
  hidden: [30],
  activation: 'sigmoid',
  cost: 'quadratic',
  eta: 3,
  batch: 10,
  weight: { layer: 2, to: 0, from: 14 * 28 + 17 },
};

/** The output layer's activation for a cost: softmax pairs with log-likelihood, sigmoid otherwise. */
export function outputActivation(cost: CostChoice): 'sigmoid' | 'softmax' {
  return cost === 'log-likelihood' ? 'softmax' : 'sigmoid';
}

/** Input width of a data set. */
export function inputWidth(data: DataName): number {
  return data === 'mnist' ? 784 : 2;
}

/** Output width (number of classes) of a data set. */
export function outputWidth(data: DataName): number {
  return data === 'mnist' ? 10 : 2;
}

/** Nielsen's `sizes` of the network a state describes, e.g. [2, 4, 4, 2]. */
export function sizesOf(state: Pick<State, 'data' | 'hidden'>): number[] {
  return [inputWidth(state.data), ...state.hidden, outputWidth(state.data)];
}

/** True when the weight exists in the network the state describes. */
export function weightExists(state: Pick<State, 'data' | 'hidden' | 'weight'>): boolean {
  const sizes = sizesOf(state);
  const { layer, to, from } = state.weight;
  return layer >= 2 && layer <= sizes.length && to < sizes[layer - 1] && from < sizes[layer - 2];
}

/** The defaults for a data set: `DEFAULT_STATE`, with Nielsen's network for MNIST. */
export function defaultsFor(data: DataName): State {
  const base: State = { ...DEFAULT_STATE, hidden: [...DEFAULT_STATE.hidden], weight: { ...DEFAULT_STATE.weight } };
  return data === 'mnist' ? { ...base, ...MNIST_DEFAULTS, hidden: [...MNIST_DEFAULTS.hidden], weight: { ...MNIST_DEFAULTS.weight }, data } : { ...base, data };
}

/**
 * Serialise a state to a URL hash (without '#'), listing only the fields that differ from the
 * defaults of its data set (so links stay short and `parseHash(toHash(s))` equals `s`).
 */
export function toHash(state: State): string {
  const p = new URLSearchParams();
  const d = defaultsFor(state.data);
  if (state.data !== DEFAULT_STATE.data) p.set('data', state.data);
  if (state.noise !== d.noise) p.set('noise', String(state.noise));
  if (state.hidden.join(',') !== d.hidden.join(',')) p.set('hidden', state.hidden.length ? state.hidden.join(',') : 'none');
  if (state.activation !== d.activation) p.set('act', state.activation);
  if (state.cost !== d.cost) p.set('cost', state.cost);
  if (state.optimizer !== d.optimizer) p.set('opt', state.optimizer);
  if (state.rule !== d.rule) p.set('rule', state.rule);
  if (state.eta !== d.eta) p.set('eta', String(state.eta));
  if (state.batch !== d.batch) p.set('batch', String(state.batch));
  if (state.lambda !== d.lambda) p.set('l2', String(state.lambda));
  if (state.seed !== d.seed) p.set('seed', String(state.seed));
  if (state.example !== d.example) p.set('ex', String(state.example));
  const w = state.weight;
  if (w.layer !== d.weight.layer || w.to !== d.weight.to || w.from !== d.weight.from) p.set('w', `${w.layer}.${w.to}.${w.from}`);
  if (state.dw !== d.dw) p.set('dw', String(state.dw));
  if (state.tab !== d.tab) p.set('tab', state.tab);
  if (state.backend !== undefined) p.set('backend', state.backend);
  if (state.servedModel) p.set('model', 'served');
  return p.toString();
}

/** A problem found while parsing a URL; the field fell back to its default. */
export interface StateWarning {
  key: string;
  value: string;
  message: string;
}

/** What a field's validator says: the parsed value, or why it was refused. */
type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const refuse = <T>(message: string): Parsed<T> => ({ ok: false, message });

function oneOf<T extends string>(choices: readonly T[]): (v: string) => Parsed<T> {
  return (v) => ((choices as readonly string[]).includes(v) ? ok(v as T) : refuse(`expected one of ${choices.join(', ')}`));
}

function numberIn(lo: number, hi: number, integer = false): (v: string) => Parsed<number> {
  const range = `${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}`;
  return (v) => {
    if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v)) return refuse(`expected ${range}`);
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) return refuse(`expected ${range}`);
    return ok(n);
  };
}

function hiddenList(v: string): Parsed<number[]> {
  if (v === 'none') return ok([]);
  const parts = v.split(',');
  const maxLayers = LIMITS.hiddenLayers[1];
  const [lo, hi] = LIMITS.width;
  if (parts.length > maxLayers || parts.some((s) => !/^\d{1,3}$/.test(s) || Number(s) < lo || Number(s) > hi)) {
    return refuse(`expected up to ${maxLayers} comma-separated widths from ${lo} to ${hi}, or 'none'`);
  }
  return ok(parts.map(Number));
}

function weightRef(v: string): Parsed<WeightRef> {
  const m = /^(\d{1,2})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m) return refuse('expected layer.to.from, e.g. 2.0.1 for w^2_{0,1}');
  const [layer, to, from] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (layer < LIMITS.layer[0] || layer > LIMITS.layer[1]) return refuse(`the layer must be from ${LIMITS.layer[0]} to ${LIMITS.layer[1]}`);
  if (to > LIMITS.neuron[1] || from > LIMITS.neuron[1]) return refuse(`neuron indices must be from 0 to ${LIMITS.neuron[1]}`);
  return ok({ layer, to, from });
}

/** A field of the URL: its validator and where the value goes. */
interface Field {
  parse: (v: string) => Parsed<unknown>;
  apply: (state: State, value: never) => void;
}

const field = <T>(parse: (v: string) => Parsed<T>, apply: (state: State, value: T) => void): Field => ({ parse, apply: apply as Field['apply'] });

/** URL key → field. Keys are short to keep links short. */
const FIELDS: Record<string, Field> = {
  data: field(oneOf(DATA_NAMES), (s, v) => (s.data = v)),
  noise: field(numberIn(LIMITS.noise[0], LIMITS.noise[1]), (s, v) => (s.noise = v)),
  hidden: field(hiddenList, (s, v) => (s.hidden = v)),
  act: field(oneOf(HIDDEN_ACTIVATIONS), (s, v) => (s.activation = v)),
  cost: field(oneOf(COSTS), (s, v) => (s.cost = v)),
  opt: field(oneOf(OPTIMIZERS), (s, v) => (s.optimizer = v)),
  rule: field(oneOf(TRAIN_RULES), (s, v) => (s.rule = v)),
  eta: field(numberIn(LIMITS.eta[0], LIMITS.eta[1]), (s, v) => (s.eta = v)),
  batch: field(numberIn(LIMITS.batch[0], LIMITS.batch[1], true), (s, v) => (s.batch = v)),
  l2: field(numberIn(LIMITS.lambda[0], LIMITS.lambda[1]), (s, v) => (s.lambda = v)),
  seed: field(numberIn(LIMITS.seed[0], LIMITS.seed[1], true), (s, v) => (s.seed = v)),
  ex: field(numberIn(LIMITS.example[0], LIMITS.example[1], true), (s, v) => (s.example = v)),
  w: field(weightRef, (s, v) => (s.weight = v)),
  dw: field(numberIn(LIMITS.dw[0], LIMITS.dw[1]), (s, v) => (s.dw = v)),
  tab: field(oneOf(TABS), (s, v) => (s.tab = v)),
  backend: field(oneOf(BACKENDS), (s, v) => (s.backend = v)),
  model: field(oneOf(['served'] as const), (s) => (s.servedModel = true)),
};

/**
 * Parse a URL hash (with or without '#') into a State. Unknown keys and bad values are reported
 * and replaced by defaults; the weight is reset when it does not exist in the parsed network.
 */
export function parseHash(hash: string): { state: State; warnings: StateWarning[] } {
  const warnings: StateWarning[] = [];
  const params = new URLSearchParams(hash.replace(/^#/, '').slice(0, 4000));
  // MNIST starts from Nielsen's network; explicit settings below override it.
  const state = defaultsFor(params.get('data') === 'mnist' ? 'mnist' : DEFAULT_STATE.data);
  const seen = new Set<string>();
  for (const [key, raw] of params) {
    const value = raw.slice(0, 200);
    if (seen.has(key)) {
      warnings.push({ key, value, message: 'given more than once; the first value is used' });
      continue;
    }
    seen.add(key);
    const f = Object.prototype.hasOwnProperty.call(FIELDS, key) ? FIELDS[key] : undefined;
    if (!f) {
      warnings.push({ key, value, message: `unknown setting; known: ${Object.keys(FIELDS).join(', ')}` });
      continue;
    }
    const parsed = f.parse(value);
    if (parsed.ok) f.apply(state, parsed.value as never);
    else warnings.push({ key, value, message: parsed.message });
  }
  if (state.example >= exampleCount(state.data)) {
    warnings.push({ key: 'ex', value: String(state.example), message: `the ${state.data} test set has examples 0…${exampleCount(state.data) - 1}` });
    state.example = 0;
  }
  if (!weightExists(state)) {
    const w = state.weight;
    warnings.push({ key: 'w', value: `${w.layer}.${w.to}.${w.from}`, message: `no such weight in a [${sizesOf(state).join(', ')}] network` });
    state.weight = { ...defaultsFor(state.data).weight };
  }
  return { state, warnings };
}

/** Number of test examples of a data set in the explorer (toy sets: half of 500 points). */
export function exampleCount(data: DataName): number {
  return data === 'mnist' ? 10_000 : 250;
}

/** Parse the hash and print each problem as a console warning (never an error). */
export function stateFromLocation(hash: string): State {
  const { state, warnings } = parseHash(hash);
  for (const w of warnings) console.warn(`glassbox explorer: URL setting ${w.key}=${JSON.stringify(w.value)} ignored: ${w.message}`);
  return state;
}
