import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with the plain line "Tests: N passed, N failed, N skipped", which CI reads to tell
 * a run that tested something from one that ran nothing.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') failedHere++;
        else count.skipped++;
      }
      // A suite whose setup threw fails with all its tests skipped: count the suite itself as a failure.
      if (module.state() === 'failed' && failedHere === 0) failedHere = 1;
      count.failed += failedHere;
    }
    process.stdout.write(`\nTests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
