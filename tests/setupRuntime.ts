import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log warnings only; the state-change chatter of every worker drowns the test output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
