/**
 * Clean teardown of what the TAP bridge set up in Linux (interfaces, namespaces we created), however
 * the process ends: a normal exit, an uncaught exception, Ctrl-C (SIGINT), SIGTERM or SIGHUP.
 *
 * Teardown actions are synchronous (they run in `process.on("exit")`, where nothing asynchronous
 * can). On a signal, if nobody else listens for it, we tear down and re-raise the signal so the
 * process still ends the way the signal says (exit status 128+n); if the program has its own
 * handler (the CLI's graceful stop), we leave the ending to it and tear down at exit.
 * A TAP interface we created is not persistent, so even SIGKILL removes it (the kernel does when
 * our descriptor closes); only a namespace we created would outlive a SIGKILL.
 */
const actions = new Set<() => void>();
let installed = false;
const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function runAll(): void {
  // Newest first, as a stack unwinds: an interface goes before the namespace holding it.
  for (const action of [...actions].reverse()) {
    actions.delete(action);
    try {
      action();
    } catch {
      // Teardown is best effort: one failure must not leave the rest standing.
    }
  }
}

function onSignal(signal: (typeof signals)[number]): void {
  if (process.listenerCount(signal) > 1) return;
  runAll();
  process.removeListener(signal, handlers[signal]);
  process.kill(process.pid, signal);
}

const handlers = {
  SIGINT: () => onSignal("SIGINT"),
  SIGTERM: () => onSignal("SIGTERM"),
  SIGHUP: () => onSignal("SIGHUP"),
};

/** Registers `action` to run once at exit or on a terminating signal; returns a function that unregisters it. */
export function onTeardown(action: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", runAll);
    for (const signal of signals) process.on(signal, handlers[signal]);
  }
  actions.add(action);
  return () => {
    actions.delete(action);
  };
}

/** Runs every registered teardown now (tests, and the CLI's own stop path). */
export function teardownAll(): void {
  runAll();
}
