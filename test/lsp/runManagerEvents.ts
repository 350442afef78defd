// Shared by the run manager tests: collects `supernet/event` notifications (or RunManager
// events) and lets a test wait for one. Not a test file itself.
import type { EventParams, JobExit } from '#shared/protocol/lsp';

interface Waiter {
  pred: (p: EventParams) => boolean;
  resolve: (p: EventParams) => void;
}

export class JobEvents {
  readonly all: EventParams[] = [];
  private waiters: Waiter[] = [];

  /** Pass this to the connection (or the manager) as the event listener. */
  readonly push = (p: EventParams): void => {
    this.all.push(p);
    this.waiters = this.waiters.filter((w) => (w.pred(p) ? (w.resolve(p), false) : true));
  };

  of(jobId: string): EventParams[] {
    return this.all.filter((p) => p.jobId === jobId);
  }

  /** The first event (already received or still to come) matching `pred`. */
  next(pred: (p: EventParams) => boolean, ms = 30_000, what = 'an event'): Promise<EventParams> {
    const seen = this.all.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const last = this.all.slice(-3).map((p) => JSON.stringify(p).slice(0, 300));
        reject(new Error(`no ${what} within ${ms} ms; last: ${last.join('\n') || 'none'}`));
      }, ms);
      this.waiters.push({ pred, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  async exitOf(jobId: string, ms = 30_000): Promise<JobExit> {
    const p = await this.next((e) => e.jobId === jobId && !!e.exit, ms, `exit of ${jobId}`);
    return p.exit!;
  }
}
