/**
 * Accumulates the records, rejections and skips of one file, numbering every item slot in order so
 * a rejection's index points at the right place in the file.
 */
import type { RecordRejection } from '../core/event.js';
import type { DeliveryFormat, ExtractResult, ExtractedRecord } from './extract-types.js';
import {
  tooBig,
  unwrapItem,
  type ItemContext,
  type RecordChecks,
  type Unwrapped,
} from './shapes.js';

/** Collects one file's results; create one per file. */
export class RecordCollector {
  private readonly records: ExtractedRecord[] = [];
  private readonly rejections: RecordRejection[] = [];
  private skipped = 0;
  private next = 0;

  constructor(
    private readonly file: string,
    private readonly checks: RecordChecks,
  ) {}

  /** Context for the next item, optionally with some checks already done. */
  context(done?: Partial<RecordChecks>): ItemContext {
    return { index: this.next, checks: done ? { ...this.checks, ...done } : this.checks };
  }

  /** Unwrap `value` (envelope, LookupEvents item or record) and take the outcome. */
  add(value: unknown, ctx: ItemContext = this.context()): void {
    this.take(unwrapItem(value, ctx));
  }

  /** Take an already unwrapped item. */
  take(item: Unwrapped): void {
    if (item.kind === 'record') this.records.push({ index: this.next, value: item.value });
    else if (item.kind === 'skip') this.skipped++;
    else this.rejections.push({ file: this.file, index: this.next, reason: item.reason });
    this.next++;
  }

  /** Reject the next item. */
  reject(reason: string): void {
    this.take({ kind: 'reject', reason });
  }

  /** `X MB, over the Y MB limit` for the next item. */
  tooBig(bytes: number): string {
    return tooBig(this.context(), bytes);
  }

  /** The collected result. */
  result(format: DeliveryFormat): ExtractResult {
    const base = { records: this.records, rejections: this.rejections, format };
    return this.skipped > 0 ? { ...base, skippedRecords: this.skipped } : base;
  }
}
