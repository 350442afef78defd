// Preloaded into every test process (`npm test`: `node --test --require …`). With
// `--test-force-exit` and a process per test file, Node's runner can end a file's process
// while its last verdicts are still in the stdout pipe to the runner: the run then reports
// fewer tests than ran and passes all the same (nodejs/node#64833; here, once, the last 14
// of wasmGradKernels.test.ts's 57). A blocking stdout has written every verdict by exit.
const stdout = process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => void } };
stdout._handle?.setBlocking?.(true);
