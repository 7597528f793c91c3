/**
 * cli/progress — what a training run shows while it works: a cli-progress bar per epoch with the
 * running training cost (on stderr, only when stderr is a terminal), or one plain line per epoch
 * when stderr is a pipe or a file, or nothing (--json, --quiet).
 */
import cliProgress from 'cli-progress';
import { formatNumber, formatSeconds, type EpochRecord } from '../index.js';

/** How progress is shown. */
export type ProgressMode = 'bar' | 'lines' | 'none';

/** The mode for this process: a bar on a terminal, lines otherwise, none when asked to be silent. */
export function progressMode(silent: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (silent) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

/** A percentage with two decimals: `97.05%`. */
export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(2)}%`;
}

/** One line summing up an epoch: cost, validation accuracy, seconds. */
export function epochLine(record: EpochRecord, epochs: number): string {
  const parts = [`epoch ${record.epoch}/${epochs}`, `training cost ${formatNumber(record.trainCost)}`];
  if (record.validation) parts.push(`validation accuracy ${percent(record.validation.accuracy)}`);
  parts.push(formatSeconds(record.seconds));
  return parts.join('  ');
}

/** Progress of a training run, fed from fit's events. */
export class TrainProgress {
  private bar: cliProgress.SingleBar | null = null;
  private costSum = 0;
  private costCount = 0;

  constructor(
    readonly mode: ProgressMode,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** A line of text (a note, a warning) that does not disturb the bar. */
  note(line: string): void {
    if (this.mode === 'none') return;
    if (this.bar) {
      this.stream.write('\n');
    }
    this.stream.write(`${line}\n`);
  }

  /** A batch finished: move the bar, with the mean cost of the epoch so far. */
  batch(epoch: number, epochs: number, batch: number, batches: number, cost: number): void {
    if (this.mode !== 'bar') return;
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: 'epoch {epoch} {bar} {value}/{total} batches | cost {cost} | {duration_formatted} (eta {eta_formatted})',
          barsize: 30,
          hideCursor: true,
          etaBuffer: 200,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.costSum = 0;
      this.costCount = 0;
      this.bar.start(batches, batch - 1, { epoch: `${epoch}/${epochs}`, cost: '…' });
    }
    this.costSum += cost;
    this.costCount++;
    this.bar.update(batch, { cost: formatNumber(this.costSum / this.costCount) });
  }

  /** An epoch ended (after its evaluation): close the bar and print the epoch's line. */
  epoch(record: EpochRecord, epochs: number): void {
    this.stopBar();
    if (this.mode !== 'none') this.stream.write(`${epochLine(record, epochs)}\n`);
  }

  /** Close the bar if one is open (before any other output, and on errors). */
  stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
