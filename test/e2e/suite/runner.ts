// A tiny sequential test runner for the extension host (mocha is not a dependency): runs each
// test in order, prints TAP-like lines and a summary (`P passed, S skipped, F failed`), and
// throws if any test failed. A skip is not a pass: e2e.test.ts fails the suite on one, since
// the runner (run.ts) gives every scenario what it needs.

export interface Test {
  name: string;
  fn: () => Promise<void>;
}

/** Thrown by a test that cannot run here; reported as `ok N - name # SKIP why`. */
export class Skip extends Error {}

export async function runTests(
  tests: Test[],
  print: (line: string) => void = (l) => console.log(l),
): Promise<void> {
  let passed = 0;
  let skipped = 0;
  let failed = 0;
  print(`1..${tests.length}`);
  for (const [i, test] of tests.entries()) {
    const t0 = Date.now();
    try {
      await test.fn();
      passed++;
      print(`ok ${i + 1} - ${test.name} # time=${Date.now() - t0}ms`);
    } catch (e) {
      if (e instanceof Skip) {
        skipped++;
        print(`ok ${i + 1} - ${test.name} # SKIP ${e.message}`);
        continue;
      }
      failed++;
      print(`not ok ${i + 1} - ${test.name} # time=${Date.now() - t0}ms`);
      const detail = (e as Error)?.stack ?? String(e);
      for (const line of detail.split('\n')) print(`  # ${line}`);
    }
  }
  print(`${passed} passed, ${skipped} skipped, ${failed} failed`);
  if (failed) throw new Error(`${failed} of ${tests.length} e2e tests failed`);
}
