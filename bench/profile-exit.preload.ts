// Loaded into an app with `NODE_OPTIONS=--require …` only when the benchmark profiles it (`--cpu-prof` itself is not
// allowed in NODE_OPTIONS). Samples the main thread from start-up and, on SIGTERM, writes the V8 CPU profile to
// BENCH_PROFILE_FILE and exits.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1_000 });
  session.post('Profiler.start');
  process.once('SIGTERM', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) {
        writeFileSync(file.replace('{pid}', String(process.pid)), JSON.stringify(result.profile));
      }
      process.exit(0);
    });
  });
}
