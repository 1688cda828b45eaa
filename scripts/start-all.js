#!/usr/bin/env node
// `npm start`: build, migrate, then run the five apps together with prefixed output; Ctrl-C stops them all.
const { execSync } = require('node:child_process');
const concurrently = require('concurrently');

const APPS = ['ingest-api', 'outbox-relay', 'event-store-consumer', 'dispatcher', 'admin-api'];
const COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blue'];

execSync('npm run build', { stdio: 'inherit' });
execSync('npm run migration:run', { stdio: 'inherit' });

const { result } = concurrently(
  APPS.map((app, index) => ({
    name: app,
    command: `node dist/apps/${app}/src/main.js`,
    prefixColor: COLORS[index],
  })),
  { killOthersOn: ['failure'], prefix: 'name', padPrefix: true },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
